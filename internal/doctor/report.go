package doctor

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nxcred/nxcred/internal/hint"
)

// status is the verdict of one check.
type status int

const (
	statusOK status = iota
	statusWarn
	statusFail
)

func (s status) String() string { return [...]string{"ok", "warn", "fail"}[s] }

// result is one line of the report, and the fix line under it for a warning
// or failure.
type result struct {
	name   string
	status status
	detail string
	fix    string
}

func passed(name, detail string) result { return result{name, statusOK, detail, ""} }

func warned(name, detail, fix string) result { return result{name, statusWarn, detail, fix} }

func failed(name, detail, fix string) result { return result{name, statusFail, detail, fix} }

// failedWith is a failure said by err itself: its message, and its hint as
// the fix.
func failedWith(name, prefix string, err error) result {
	return failed(name, prefix+err.Error(), hintOf(err))
}

// report prints r, logs how long its check took, and returns whether it did
// not fail.
func (d *run) report(r result) bool {
	switch r.status {
	case statusOK:
		d.counts.OK++
	case statusWarn:
		d.counts.Warn++
	default:
		d.counts.Fail++
	}
	fmt.Fprintf(d.s.Out, "%-6s%s: %s\n", r.status, r.name, d.s.Scrub(hint.OneLine(r.detail)))
	if r.status != statusOK {
		fix := r.fix
		if fix == "" {
			fix = "run nxcred doctor --verbose for details"
		}
		fmt.Fprintf(d.s.Out, "      fix: %s\n", d.s.Scrub(hint.OneLine(fix)))
	}
	d.s.Log.Debug("doctor check", "check", r.name, "status", r.status.String(), "took", time.Since(d.last).Round(time.Microsecond))
	d.last = time.Now()
	return r.status != statusFail
}

// hintOf is the hint an error carries, as a fix line: without the "run: "
// some hints start with, since the fix line already says what to do.
func hintOf(err error) string { return strings.TrimPrefix(hint.Of(err), "run: ") }

// since is the time since t for a report line: milliseconds, or "<1ms".
func since(t time.Time) string {
	if d := time.Since(t).Round(time.Millisecond); d > 0 {
		return d.String()
	}
	return "<1ms"
}

func without(all, some []string) []string {
	var rest []string
	for _, s := range all {
		if !slices.Contains(some, s) {
			rest = append(rest, s)
		}
	}
	return rest
}
