package doctor

import "testing"

// TestReport: a warning or failure always has a fix line, and the detail
// stays on one line whatever the error said.
func TestReport(t *testing.T) {
	d, out := testRun(t, System{})
	d.report(passed("config", "fine"))
	d.report(warned("cache", "open", "chmod 700 dir"))
	if d.report(failed("token", "line one\nline two", "")) {
		t.Errorf("report(failed) = true, want false")
	}
	want := "ok    config: fine\n" +
		"warn  cache: open\n      fix: chmod 700 dir\n" +
		"fail  token: line one line two\n      fix: run nxcred doctor --verbose for details\n"
	if out.String() != want {
		t.Errorf("report printed\n%s\nwant\n%s", out, want)
	}
	if want := (Counts{OK: 1, Warn: 1, Fail: 1}); d.counts != want {
		t.Errorf("counts = %+v, want %+v", d.counts, want)
	}
}
