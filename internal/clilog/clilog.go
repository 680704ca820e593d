// Package clilog is nxcred's debug log: log/slog records rendered as one
// line each, "nxcred: debug: <message> key=value ...", cleaned by the
// call's secret registry (package redact) before the line is written.
package clilog

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nxcred/nxcred/internal/redact"
)

// Handler writes records to w, each line cleaned by the registry first.
type Handler struct {
	mu      *sync.Mutex
	w       io.Writer
	attrs   []slog.Attr
	secrets *redact.Set
}

// New returns a logger writing to w that removes what secrets holds (when
// the line is written, so a secret registered later still counts), or a
// logger that discards everything when w is nil.
func New(w io.Writer, secrets *redact.Set) *slog.Logger {
	if w == nil {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(&Handler{mu: &sync.Mutex{}, w: w, secrets: secrets})
}

// Enabled logs every level: the logger exists only when debugging is on.
func (h *Handler) Enabled(context.Context, slog.Level) bool { return true }

// Handle renders one record.
func (h *Handler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString("nxcred: debug: ")
	b.WriteString(r.Message)
	write := func(a slog.Attr) bool {
		b.WriteByte(' ')
		b.WriteString(a.Key)
		b.WriteByte('=')
		b.WriteString(formatValue(a.Value))
		return true
	}
	for _, a := range h.attrs {
		write(a)
	}
	r.Attrs(write)
	b.WriteByte('\n')
	line := h.secrets.Clean(b.String())
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(h.w, line)
	return err
}

func formatValue(v slog.Value) string {
	v = v.Resolve()
	switch v.Kind() {
	case slog.KindDuration:
		return v.Duration().Round(10 * time.Microsecond).String()
	case slog.KindTime:
		return v.Time().UTC().Format(time.RFC3339)
	case slog.KindString:
		s := v.String()
		if s == "" || strings.ContainsAny(s, " \t\n\"=") {
			return strconv.Quote(s)
		}
		return s
	}
	return fmt.Sprint(v.Any())
}

// WithAttrs returns a handler that adds attrs to every record.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(append([]slog.Attr(nil), h.attrs...), attrs...)
	return &c
}

// WithGroup is not used by nxcred; groups are flattened.
func (h *Handler) WithGroup(string) slog.Handler { return h }
