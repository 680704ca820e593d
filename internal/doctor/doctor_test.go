package doctor

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
)

// TestRunNoCredentials: with no config file and no environment profile,
// the config check fails, every check after it is left out, and Run counts
// the failure for the caller's exit status.
func TestRunNoCredentials(t *testing.T) {
	var out bytes.Buffer
	path := filepath.Join(t.TempDir(), "config.toml")
	got := Run(context.Background(), System{Out: &out, ConfigPath: path})
	want := "fail  config: no config file at " + path + " and no NXCRED_* environment profile: nxcred has no credentials yet\n" +
		"      fix: nxcred login --profile NAME --instance INSTANCE --region REGION --client-id ID (or set NXCRED_CLIENT_ID and NXCRED_CLIENT_SECRET)\n" +
		"0 ok, 0 warn, 1 fail\n"
	if out.String() != want {
		t.Errorf("Run printed\n%s\nwant\n%s", &out, want)
	}
	if want := (Counts{Fail: 1}); got != want {
		t.Errorf("Run(...) = %+v, want %+v", got, want)
	}
}
