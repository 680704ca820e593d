// Package clilog is nxcred's debug log: log/slog records rendered as one
// line each, "nxcred: debug: <message> key=value ...", with every registered
// secret removed before the line is written.
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
)

// Handler writes records to w. Secrets registered with Redact never reach w.
type Handler struct {
	mu      *sync.Mutex
	w       io.Writer
	attrs   []slog.Attr
	secrets *[]string
}

// New returns a logger writing to w, or a logger that discards everything
// when w is nil.
func New(w io.Writer) (*slog.Logger, *Handler) {
	if w == nil {
		return slog.New(slog.DiscardHandler), nil
	}
	h := &Handler{mu: &sync.Mutex{}, w: w, secrets: new([]string)}
	return slog.New(h), h
}

// Redact registers strings that must never be written (the client secret,
// tokens). Short strings are ignored: they would blank out ordinary words.
func (h *Handler) Redact(secrets ...string) {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range secrets {
		if len(s) >= 6 {
			*h.secrets = append(*h.secrets, s)
		}
	}
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
	line := b.String()
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range *h.secrets {
		line = strings.ReplaceAll(line, s, "[redacted]")
	}
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
