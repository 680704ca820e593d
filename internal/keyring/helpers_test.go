package keyring

import (
	"os"
	"testing"
)

const testSecret = "s3cret-of-the-test-client-7f3a"

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}
