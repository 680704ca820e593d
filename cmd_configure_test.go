package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestConfigureExitStatus runs configure in process: usage mistakes exit 2,
// a profile it cannot configure and a missing git exit 1, and nothing reaches
// stdout when it fails.
func TestConfigureExitStatus(t *testing.T) {
	withHost := map[string]string{
		"NXCRED_CLIENT_ID": "0oa-unit", "NXCRED_CLIENT_SECRET": "unit-secret",
		"NXCRED_INSTANCE": "acme", "NXCRED_REGION": "eu",
	}
	tokenURLOnly := map[string]string{
		"NXCRED_CLIENT_ID": "0oa-unit", "NXCRED_CLIENT_SECRET": "unit-secret",
		"NXCRED_TOKEN_URL": "https://login.example.com/token",
	}
	// An empty PATH: no git for --apply to run.
	t.Setenv("PATH", t.TempDir())
	tests := []struct {
		name, args string
		env        map[string]string
		want       int
		wantErr    string
	}{
		{name: "no client", args: "configure", env: withHost, want: 2, wantErr: "configure needs a client"},
		{name: "two clients", args: "configure git docker", env: withHost, want: 2, wantErr: "configure takes one client"},
		{name: "unknown client", args: "configure svn", env: withHost, want: 2, wantErr: `unknown client "svn"`},
		{name: "apply kubectl", args: "configure kubectl --apply", env: withHost, want: 2, wantErr: "--apply is for git and docker, not kubectl"},
		{name: "apply bazel", args: "configure bazel --apply", env: withHost, want: 2, wantErr: "--apply is for git and docker, not bazel"},
		{name: "apply goauth", args: "configure goauth --apply", env: withHost, want: 2, wantErr: "--apply is for git and docker, not goauth"},
		{name: "no profile", args: "configure git", want: 1, wantErr: "no profile"},
		{name: "git without host", args: "configure git", env: tokenURLOnly, want: 1, wantErr: "the environment profile has no host, and git chooses credentials by host"},
		{name: "goauth without host", args: "configure goauth", env: tokenURLOnly, want: 1, wantErr: "has no host"},
		{name: "kubectl without host", args: "configure kubectl", env: tokenURLOnly, want: 0},
		{name: "git apply without git", args: "configure git --apply", env: withHost, want: 1, wantErr: "git is not on PATH"},
		{name: "git", args: "configure git", env: withHost, want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			env := map[string]string{
				"HOME":            home,
				"XDG_CONFIG_HOME": filepath.Join(home, "config"),
				"XDG_CACHE_HOME":  filepath.Join(home, "cache"),
				"XDG_DATA_HOME":   filepath.Join(home, "data"),
			}
			for k, v := range tt.env {
				env[k] = v
			}
			var stdout, stderr bytes.Buffer
			args := append([]string{"nxcred"}, strings.Fields(tt.args)...)
			got := run(context.Background(), args, strings.NewReader(""), &stdout, &stderr, func(k string) string { return env[k] })
			if got != tt.want {
				t.Errorf("run(%q) = %d, want %d; stderr:\n%s", tt.args, got, tt.want, stderr.String())
			}
			if tt.want != 0 && stdout.Len() > 0 {
				t.Errorf("run(%q) failed but wrote to stdout: %q", tt.args, stdout.String())
			}
			if tt.want == 0 && stdout.Len() == 0 {
				t.Errorf("run(%q) printed no snippet", tt.args)
			}
			if !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("run(%q) stderr = %q, want it to contain %q", tt.args, stderr.String(), tt.wantErr)
			}
		})
	}
}

func TestMergeDockerConfig(t *testing.T) {
	hosts := []string{"acme.api.eu.nexthink.cloud", "proxy.example.com:8443"}
	tests := []struct {
		name        string
		in          string
		wantHelpers map[string]string
		wantChanges []dockerChange
		wantKeep    []string // top-level keys whose raw value must survive
		wantErr     string
	}{
		{
			name:        "no file",
			wantHelpers: map[string]string{"acme.api.eu.nexthink.cloud": "nxcred", "proxy.example.com:8443": "nxcred"},
			wantChanges: []dockerChange{{host: hosts[0]}, {host: hosts[1]}},
		},
		{
			name:        "blank file",
			in:          " \n",
			wantHelpers: map[string]string{"acme.api.eu.nexthink.cloud": "nxcred", "proxy.example.com:8443": "nxcred"},
			wantChanges: []dockerChange{{host: hosts[0]}, {host: hosts[1]}},
		},
		{
			name:        "null",
			in:          "null",
			wantHelpers: map[string]string{"acme.api.eu.nexthink.cloud": "nxcred", "proxy.example.com:8443": "nxcred"},
			wantChanges: []dockerChange{{host: hosts[0]}, {host: hosts[1]}},
		},
		{
			name:        "other keys and helpers kept",
			in:          `{"auths":{"x":{"auth":"<b64>"}},"credsStore":"desktop","credHelpers":{"gcr.io":"gcloud"},"n":1.50}`,
			wantHelpers: map[string]string{"gcr.io": "gcloud", "acme.api.eu.nexthink.cloud": "nxcred", "proxy.example.com:8443": "nxcred"},
			wantChanges: []dockerChange{{host: hosts[0]}, {host: hosts[1]}},
			wantKeep:    []string{"auths", "credsStore", "n"},
		},
		{
			name:        "another helper replaced",
			in:          `{"credHelpers":{"acme.api.eu.nexthink.cloud":"old","proxy.example.com:8443":"nxcred"}}`,
			wantHelpers: map[string]string{"acme.api.eu.nexthink.cloud": "nxcred", "proxy.example.com:8443": "nxcred"},
			wantChanges: []dockerChange{{host: hosts[0], was: "old"}},
		},
		{
			name:        "already set",
			in:          `{"credHelpers":{"acme.api.eu.nexthink.cloud":"nxcred","proxy.example.com:8443":"nxcred"}}`,
			wantHelpers: map[string]string{"acme.api.eu.nexthink.cloud": "nxcred", "proxy.example.com:8443": "nxcred"},
		},
		{
			name:        "credHelpers null",
			in:          `{"credHelpers":null}`,
			wantHelpers: map[string]string{"acme.api.eu.nexthink.cloud": "nxcred", "proxy.example.com:8443": "nxcred"},
			wantChanges: []dockerChange{{host: hosts[0]}, {host: hosts[1]}},
		},
		{name: "truncated", in: `{"auths":`, wantErr: "not a JSON object"},
		{name: "array", in: `[]`, wantErr: "not a JSON object"},
		{name: "trailing garbage", in: `{} {}`, wantErr: "not a JSON object"},
		{name: "credHelpers a string", in: `{"credHelpers":"nxcred"}`, wantErr: "credHelpers is not an object of strings"},
		{name: "credHelpers a number value", in: `{"credHelpers":{"gcr.io":7}}`, wantErr: "credHelpers is not an object of strings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, changes, err := mergeDockerConfig([]byte(tt.in), hosts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("mergeDockerConfig(%q) error = %v, want %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("mergeDockerConfig(%q) error = %v", tt.in, err)
			}
			if !reflect.DeepEqual(changes, tt.wantChanges) {
				t.Errorf("mergeDockerConfig(%q) changes = %v, want %v", tt.in, changes, tt.wantChanges)
			}
			var got struct {
				CredHelpers map[string]string `json:"credHelpers"`
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("mergeDockerConfig(%q) wrote invalid JSON %q: %v", tt.in, out, err)
			}
			if !reflect.DeepEqual(got.CredHelpers, tt.wantHelpers) {
				t.Errorf("mergeDockerConfig(%q) credHelpers = %v, want %v", tt.in, got.CredHelpers, tt.wantHelpers)
			}
			var before, after map[string]json.RawMessage
			json.Unmarshal([]byte(tt.in), &before)
			json.Unmarshal(out, &after)
			for _, k := range tt.wantKeep {
				if !jsonEqual(before[k], after[k]) {
					t.Errorf("mergeDockerConfig(%q) %s = %s, want %s", tt.in, k, after[k], before[k])
				}
				// The raw text survives too: no HTML escaping, no number rewriting.
				if b, a := compactJSON(before[k]), compactJSON(after[k]); b != a {
					t.Errorf("mergeDockerConfig(%q) %s = %s, want it byte for byte as %s", tt.in, k, a, b)
				}
			}
			again, changes, err := mergeDockerConfig(out, hosts)
			if err != nil || len(changes) != 0 || !bytes.Equal(again, out) {
				t.Errorf("mergeDockerConfig on its own output = %q, %v, %v; want the same bytes and no change", again, changes, err)
			}
		})
	}
}

// FuzzMergeDockerConfig checks, for any config.json content it accepts, that
// every host maps to nxcred, every other key and helper is kept, and merging
// again changes nothing.
func FuzzMergeDockerConfig(f *testing.F) {
	for _, s := range []string{
		``, `null`, `{}`, `{"credHelpers":{"gcr.io":"gcloud"}}`, `{"auths":{"x":{}},"credsStore":"desktop"}`,
		`{"credHelpers":{"acme.api.eu.nexthink.cloud":"other"}}`, `{"a":"\u003c","b":[1,2.50,true]}`, `[1]`, `{"credHelpers":5}`,
	} {
		f.Add([]byte(s))
	}
	hosts := []string{"acme.api.eu.nexthink.cloud", "proxy.example.com"}
	f.Fuzz(func(t *testing.T, data []byte) {
		out, _, err := mergeDockerConfig(data, hosts)
		if err != nil {
			return
		}
		var before, after map[string]json.RawMessage
		json.Unmarshal(data, &before)
		if err := json.Unmarshal(out, &after); err != nil {
			t.Fatalf("mergeDockerConfig(%q) wrote invalid JSON %q: %v", data, out, err)
		}
		for k, v := range before {
			if k != "credHelpers" && !jsonEqual(v, after[k]) {
				t.Errorf("mergeDockerConfig(%q) changed %s from %s to %s", data, k, v, after[k])
			}
		}
		var oldHelpers, newHelpers map[string]string
		json.Unmarshal(before["credHelpers"], &oldHelpers)
		if err := json.Unmarshal(after["credHelpers"], &newHelpers); err != nil {
			t.Fatalf("mergeDockerConfig(%q) credHelpers = %s: %v", data, after["credHelpers"], err)
		}
		for k, v := range oldHelpers {
			if !slices.Contains(hosts, k) && newHelpers[k] != v {
				t.Errorf("mergeDockerConfig(%q) credHelpers[%q] = %q, want %q", data, k, newHelpers[k], v)
			}
		}
		for _, h := range hosts {
			if newHelpers[h] != "nxcred" {
				t.Errorf("mergeDockerConfig(%q) credHelpers[%q] = %q, want nxcred", data, h, newHelpers[h])
			}
		}
		again, changes, err := mergeDockerConfig(out, hosts)
		if err != nil || len(changes) != 0 || !bytes.Equal(again, out) {
			t.Errorf("mergeDockerConfig twice on %q: %q, %v, %v; want the first output and no change", data, again, changes, err)
		}
	})
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

func compactJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	json.Compact(&b, raw)
	return b.String()
}

func TestNxcredPathFrom(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks need privileges on Windows")
	}
	dir := t.TempDir()
	write := func(rel string) string {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("binary"), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	link := func(target, rel string) string {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	real := write("opt/nxcred/nxcred")
	linked := link(real, "bin/nxcred")
	gitLink := link("nxcred", "opt/nxcred/git-credential-nxcred")
	versioned := write("opt/v2/nxcred-2.0")
	versionLink := link(versioned, "v2bin/nxcred")
	copied := write("copies/docker-credential-nxcred")
	copiedMain := write("copies/nxcred")
	lonely := write("lonely/git-credential-nxcred")
	other := write("dev/nxcred.test")

	tests := []struct {
		name, exe, want, wantErr string
	}{
		{name: "the binary", exe: real, want: real},
		{name: "a symlink to nxcred is resolved", exe: linked, want: real},
		{name: "git's name linked to nxcred", exe: gitLink, want: real},
		{name: "a symlink to another name is kept", exe: versionLink, want: versionLink},
		{name: "docker's name, a copy, uses the nxcred beside it", exe: copied, want: copiedMain},
		{name: "git's name with no nxcred beside it", exe: lonely, wantErr: "no nxcred beside it"},
		{name: "any other name is used as is", exe: other, want: other},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := nxcredPathFrom(tt.exe)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("nxcredPathFrom(%q) = %q, %v, want error %q", tt.exe, got, err, tt.wantErr)
				}
				return
			}
			// t.TempDir may itself sit behind a symlink (macOS /var).
			want, _ := filepath.EvalSymlinks(filepath.Dir(tt.want))
			if err != nil || (got != tt.want && got != filepath.Join(want, filepath.Base(tt.want))) {
				t.Errorf("nxcredPathFrom(%q) = %q, %v, want %q", tt.exe, got, err, tt.want)
			}
		})
	}
}

func TestBazelScopes(t *testing.T) {
	scopes, skipped := bazelScopes([]string{"acme.api.eu.nexthink.cloud", "proxy.example.com:8443", "proxy.example.com", "localhost:8080", "[::1]:443", "10.0.0.1"})
	if want := []string{"acme.api.eu.nexthink.cloud", "proxy.example.com", "10.0.0.1"}; !slices.Equal(scopes, want) {
		t.Errorf("bazelScopes scopes = %q, want %q", scopes, want)
	}
	if want := []string{"localhost:8080", "[::1]:443"}; !slices.Equal(skipped, want) {
		t.Errorf("bazelScopes skipped = %q, want %q", skipped, want)
	}
}

func TestQuoting(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"shell: safe words", shellCommand([]string{"git", "config", "credential.https://h:8443.helper", "--exec-arg=--profile"}), "git config credential.https://h:8443.helper --exec-arg=--profile"},
		{"shell: empty word", shellCommand([]string{"x", ""}), `x ""`},
		{"shell: spaces", shellCommand([]string{"nxcred --profile prod"}), `"nxcred --profile prod"`},
		{"shell: option value", shellWord(`--exec-command=/a b/nxcred`), `--exec-command="/a b/nxcred"`},
		{"shell: specials", shellWord("a\"b$c`d\\e"), "\"a\\\"b\\$c\\`d\\\\e\""},
		{"bazelrc: plain", bazelrcWord("--credential_helper=h=/usr/bin/nxcred"), "--credential_helper=h=/usr/bin/nxcred"},
		{"bazelrc: specials", bazelrcWord(`/a b/#'"\x`), `/a\ b/\#\'\"\\x`},
		{"yaml: plain", yamlString("/usr/local/bin/nxcred"), "/usr/local/bin/nxcred"},
		{"yaml: flag", yamlString("--profile"), "--profile"},
		{"yaml: boolean word", yamlString("yes"), `"yes"`},
		{"yaml: number", yamlString("123"), `"123"`},
		{"yaml: windows path", yamlString(`C:\Program Files\nxcred\nxcred.exe`), `"C:\\Program Files\\nxcred\\nxcred.exe"`},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, tt.got, tt.want)
		}
	}
	for _, tt := range []struct{ in, want, wantErr string }{
		{in: "/usr/bin/nxcred", want: "/usr/bin/nxcred"},
		{in: "/a b/nxcred", want: `"/a b/nxcred"`},
		{in: `/a "b"/nxcred`, want: `'/a "b"/nxcred'`},
		{in: `/a "b' c/nxcred`, wantErr: "both kinds of quotes"},
	} {
		got, err := goauthWord(tt.in)
		if got != tt.want || (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("goauthWord(%q) = %q, %v, want %q, %q", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}
