package hint_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/nxcred/nxcred/internal/hint"
)

func TestOf(t *testing.T) {
	t.Parallel()
	base := errors.New("boom")
	if got := hint.Of(base); got != "" {
		t.Errorf("Of(plain error) = %q, want none", got)
	}
	wrapped := fmt.Errorf("context: %w", hint.Wrap(base, "run: nxcred login"))
	if got := hint.Of(wrapped); got != "run: nxcred login" {
		t.Errorf("Of(wrapped) = %q, want the inner hint", got)
	}
	if !errors.Is(wrapped, base) {
		t.Error("Wrap hides the error it wraps from errors.Is")
	}
	if got := wrapped.Error(); got != "context: boom" {
		t.Errorf("Error() = %q, want the message without the hint", got)
	}
}
