package token_test

import (
	"testing"
	"time"

	"github.com/nxcred/nxcred/internal/token"
)

func TestMargin(t *testing.T) {
	t.Parallel()
	// docs/protocols.md §0.6: serve the cached token while more than 60 s remain.
	if token.Margin != 60*time.Second {
		t.Errorf("Margin = %s, want 1m0s", token.Margin)
	}
}

func TestFresh(t *testing.T) {
	t.Parallel()
	tok := tokenAt("at", t0, time.Hour)
	exp := tok.Expiry
	tests := []struct {
		name string
		tok  token.Token
		now  time.Time
		want bool
	}{
		{"just fetched", tok, t0, true},
		{"expiry-61s", tok, exp.Add(-61 * time.Second), true},
		{"expiry-60s-1ns", tok, exp.Add(-60*time.Second - 1), true},
		{"expiry-60s", tok, exp.Add(-60 * time.Second), false},
		{"expiry-59s", tok, exp.Add(-59 * time.Second), false},
		{"expiry", tok, exp, false},
		{"after expiry", tok, exp.Add(time.Hour), false},
		{"clock moved back 1ns", tok, t0.Add(-1), false},
		{"clock moved back 1h", tok, t0.Add(-time.Hour), false},
		{"empty access token", token.Token{TokenType: "Bearer", Expiry: exp, FetchedAt: t0}, t0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.tok.Fresh(tt.now); got != tt.want {
				t.Errorf("%s.Fresh(%s) = %v, want %v", fmtToken(tt.tok), tt.now.Format(time.RFC3339Nano), got, tt.want)
			}
		})
	}
}

func TestUsable(t *testing.T) {
	t.Parallel()
	tok := tokenAt("at", t0, time.Hour)
	exp := tok.Expiry
	tests := []struct {
		name string
		tok  token.Token
		now  time.Time
		want bool
	}{
		{"just fetched", tok, t0, true},
		{"expiry-60s", tok, exp.Add(-60 * time.Second), true},
		{"expiry-30s", tok, exp.Add(-30 * time.Second), true},
		{"expiry-1ns", tok, exp.Add(-1), true},
		{"expiry", tok, exp, false},
		{"expiry+1s", tok, exp.Add(time.Second), false},
		{"clock moved back", tok, t0.Add(-1), false},
		{"empty access token", token.Token{Expiry: exp, FetchedAt: t0}, exp.Add(-30 * time.Second), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.tok.Usable(tt.now); got != tt.want {
				t.Errorf("%s.Usable(%s) = %v, want %v", fmtToken(tt.tok), tt.now.Format(time.RFC3339Nano), got, tt.want)
			}
		})
	}
}

func TestCacheable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		life time.Duration
		want bool
	}{
		{-time.Hour, false},
		{0, false},
		{token.Margin - 1, false},
		{token.Margin, false},
		{token.Margin + 1, true},
		{token.Margin + time.Second, true},
		{time.Hour, true},
	}
	for _, tt := range tests {
		t.Run(tt.life.String(), func(t *testing.T) {
			t.Parallel()
			tok := tokenAt("at", t0, tt.life)
			if got := tok.Cacheable(); got != tt.want {
				t.Errorf("%s.Cacheable() = %v, want %v", fmtToken(tok), got, tt.want)
			}
		})
	}
}

// TestReportedExpiry: a client is told the expiry minus the margin while that
// is still ahead; a token inside its last minute (served stale) reports its
// real expiry, never an instant already past.
func TestReportedExpiry(t *testing.T) {
	t.Parallel()
	hour := tokenAt("at", t0, time.Hour)
	short := tokenAt("short", t0, 30*time.Second)
	tests := []struct {
		name string
		tok  token.Token
		now  time.Time
		want time.Time
	}{
		{"just fetched", hour, t0, hour.Expiry.Add(-token.Margin)},
		{"61s left", hour, hour.Expiry.Add(-61 * time.Second), hour.Expiry.Add(-token.Margin)},
		{"a nanosecond more than the margin left", hour, hour.Expiry.Add(-token.Margin - 1), hour.Expiry.Add(-token.Margin)},
		{"exactly the margin left", hour, hour.Expiry.Add(-token.Margin), hour.Expiry},
		{"stale, 30s left", hour, hour.Expiry.Add(-30 * time.Second), hour.Expiry},
		{"stale, 1ms left", hour, hour.Expiry.Add(-time.Millisecond), hour.Expiry},
		{"lifetime under the margin", short, t0, short.Expiry},
	}
	for _, tt := range tests {
		if got := tt.tok.ReportedExpiry(tt.now); !got.Equal(tt.want) {
			t.Errorf("%s: %s.ReportedExpiry(%s) = %s, want %s", tt.name, fmtToken(tt.tok), tt.now.Format(time.RFC3339Nano), got.Format(time.RFC3339Nano), tt.want.Format(time.RFC3339Nano))
		}
	}
	// For every instant of a token's life, what is reported is after it.
	for off := time.Duration(0); off < time.Hour; off += 250 * time.Millisecond {
		now := t0.Add(off)
		if got := hour.ReportedExpiry(now); !got.After(now) {
			t.Fatalf("%s.ReportedExpiry(t0+%s) = %s, want after now", fmtToken(hour), off, got.Format(time.RFC3339Nano))
		}
	}
}
