package setup

import (
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/nxcred/nxcred/internal/testenv"
)

func TestMergeDockerConfig(t *testing.T) {
	hosts := []string{"acme.api.eu.nexthink.cloud", "proxy.example.com:8443"}
	tests := []struct {
		name        string
		in          string
		wantHelpers map[string]string
		wantChanges []DockerChange
		wantKeep    []string // top-level keys whose raw value must survive
		wantErr     string
	}{
		{
			name:        "no file",
			wantHelpers: map[string]string{"acme.api.eu.nexthink.cloud": "nxcred", "proxy.example.com:8443": "nxcred"},
			wantChanges: []DockerChange{{Host: hosts[0]}, {Host: hosts[1]}},
		},
		{
			name:        "blank file",
			in:          " \n",
			wantHelpers: map[string]string{"acme.api.eu.nexthink.cloud": "nxcred", "proxy.example.com:8443": "nxcred"},
			wantChanges: []DockerChange{{Host: hosts[0]}, {Host: hosts[1]}},
		},
		{
			name:        "null",
			in:          "null",
			wantHelpers: map[string]string{"acme.api.eu.nexthink.cloud": "nxcred", "proxy.example.com:8443": "nxcred"},
			wantChanges: []DockerChange{{Host: hosts[0]}, {Host: hosts[1]}},
		},
		{
			name:        "other keys and helpers kept",
			in:          `{"auths":{"x":{"auth":"<b64>"}},"credsStore":"desktop","credHelpers":{"gcr.io":"gcloud"},"n":1.50}`,
			wantHelpers: map[string]string{"gcr.io": "gcloud", "acme.api.eu.nexthink.cloud": "nxcred", "proxy.example.com:8443": "nxcred"},
			wantChanges: []DockerChange{{Host: hosts[0]}, {Host: hosts[1]}},
			wantKeep:    []string{"auths", "credsStore", "n"},
		},
		{
			name:        "another helper replaced",
			in:          `{"credHelpers":{"acme.api.eu.nexthink.cloud":"old","proxy.example.com:8443":"nxcred"}}`,
			wantHelpers: map[string]string{"acme.api.eu.nexthink.cloud": "nxcred", "proxy.example.com:8443": "nxcred"},
			wantChanges: []DockerChange{{Host: hosts[0], Was: "old"}},
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
			wantChanges: []DockerChange{{Host: hosts[0]}, {Host: hosts[1]}},
		},
		{name: "truncated", in: `{"auths":`, wantErr: "not a JSON object"},
		{name: "array", in: `[]`, wantErr: "not a JSON object"},
		{name: "trailing garbage", in: `{} {}`, wantErr: "not a JSON object"},
		{name: "credHelpers a string", in: `{"credHelpers":"nxcred"}`, wantErr: "credHelpers is not an object of strings"},
		{name: "credHelpers a number value", in: `{"credHelpers":{"gcr.io":7}}`, wantErr: "credHelpers is not an object of strings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, changes, err := MergeDockerConfig([]byte(tt.in), hosts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("MergeDockerConfig(%q) error = %v, want %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("MergeDockerConfig(%q) error = %v", tt.in, err)
			}
			if !reflect.DeepEqual(changes, tt.wantChanges) {
				t.Errorf("MergeDockerConfig(%q) changes = %v, want %v", tt.in, changes, tt.wantChanges)
			}
			var got struct {
				CredHelpers map[string]string `json:"credHelpers"`
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("MergeDockerConfig(%q) wrote invalid JSON %q: %v", tt.in, out, err)
			}
			if !reflect.DeepEqual(got.CredHelpers, tt.wantHelpers) {
				t.Errorf("MergeDockerConfig(%q) credHelpers = %v, want %v", tt.in, got.CredHelpers, tt.wantHelpers)
			}
			var before, after map[string]json.RawMessage
			json.Unmarshal([]byte(tt.in), &before)
			json.Unmarshal(out, &after)
			for _, k := range tt.wantKeep {
				if !jsonEqual(before[k], after[k]) {
					t.Errorf("MergeDockerConfig(%q) %s = %s, want %s", tt.in, k, after[k], before[k])
				}
				// The raw text survives too: no HTML escaping, no number rewriting.
				if b, a := compactJSON(before[k]), compactJSON(after[k]); b != a {
					t.Errorf("MergeDockerConfig(%q) %s = %s, want it byte for byte as %s", tt.in, k, a, b)
				}
			}
			again, changes, err := MergeDockerConfig(out, hosts)
			if err != nil || len(changes) != 0 || !bytes.Equal(again, out) {
				t.Errorf("MergeDockerConfig on its own output = %q, %v, %v; want the same bytes and no change", again, changes, err)
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
		out, _, err := MergeDockerConfig(data, hosts)
		if err != nil {
			return
		}
		var before, after map[string]json.RawMessage
		json.Unmarshal(data, &before)
		if err := json.Unmarshal(out, &after); err != nil {
			t.Fatalf("MergeDockerConfig(%q) wrote invalid JSON %q: %v", data, out, err)
		}
		for k, v := range before {
			if k != "credHelpers" && !jsonEqual(v, after[k]) {
				t.Errorf("MergeDockerConfig(%q) changed %s from %s to %s", data, k, v, after[k])
			}
		}
		var oldHelpers, newHelpers map[string]string
		json.Unmarshal(before["credHelpers"], &oldHelpers)
		if err := json.Unmarshal(after["credHelpers"], &newHelpers); err != nil {
			t.Fatalf("MergeDockerConfig(%q) credHelpers = %s: %v", data, after["credHelpers"], err)
		}
		for k, v := range oldHelpers {
			if !slices.Contains(hosts, k) && newHelpers[k] != v {
				t.Errorf("MergeDockerConfig(%q) credHelpers[%q] = %q, want %q", data, k, newHelpers[k], v)
			}
		}
		for _, h := range hosts {
			if newHelpers[h] != "nxcred" {
				t.Errorf("MergeDockerConfig(%q) credHelpers[%q] = %q, want nxcred", data, h, newHelpers[h])
			}
		}
		again, changes, err := MergeDockerConfig(out, hosts)
		if err != nil || len(changes) != 0 || !bytes.Equal(again, out) {
			t.Errorf("MergeDockerConfig twice on %q: %q, %v, %v; want the first output and no change", data, again, changes, err)
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

func TestBazelScopes(t *testing.T) {
	scopes, skipped := BazelScopes([]string{"acme.api.eu.nexthink.cloud", "proxy.example.com:8443", "proxy.example.com", "localhost:8080", "[::1]:443", "10.0.0.1"})
	if want := []string{"acme.api.eu.nexthink.cloud", "proxy.example.com", "10.0.0.1"}; !slices.Equal(scopes, want) {
		t.Errorf("BazelScopes scopes = %q, want %q", scopes, want)
	}
	if want := []string{"localhost:8080", "[::1]:443"}; !slices.Equal(skipped, want) {
		t.Errorf("BazelScopes skipped = %q, want %q", skipped, want)
	}
}

func TestQuoting(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"shell: safe words", ShellCommand([]string{"git", "config", "credential.https://h:8443.helper", "--exec-arg=--profile"}), "git config credential.https://h:8443.helper --exec-arg=--profile"},
		{"shell: empty word", ShellCommand([]string{"x", ""}), `x ""`},
		{"shell: spaces", ShellCommand([]string{"nxcred --profile prod"}), `"nxcred --profile prod"`},
		{"shell: option value", shellWord(`--exec-command=/a b/nxcred`, false), `--exec-command="/a b/nxcred"`},
		{"shell: specials", shellWord("a\"b$c`d\\e", false), "\"a\\\"b\\$c\\`d\\\\e\""},
		{"powershell: a path as it is", shellWord(`--exec-command=C:\Users\me\nxcred.exe`, true), `--exec-command=C:\Users\me\nxcred.exe`},
		{"powershell: spaces", shellWord(`--exec-command=C:\Users\John Smith\nxcred.exe`, true), `--exec-command="C:\Users\John Smith\nxcred.exe"`},
		{"powershell: specials", shellWord("a\"b$c`d\\e f", true), "\"a`\"b`$c``d\\e f\""},
		{"powershell: empty word", shellCommand([]string{"x", ""}, true), `x ""`},
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

func TestGitSetupCommands(t *testing.T) {
	got := GitSetupCommands("prod", []string{"acme.api.eu.nexthink.cloud", "proxy.example.com:8443"})
	want := [][]string{
		{"git", "config", "--global", "--unset-all", "credential.https://acme.api.eu.nexthink.cloud.helper"},
		{"git", "config", "--global", "--add", "credential.https://acme.api.eu.nexthink.cloud.helper", ""},
		{"git", "config", "--global", "--add", "credential.https://acme.api.eu.nexthink.cloud.helper", "nxcred --profile prod"},
		{"git", "config", "--global", "--unset-all", "credential.https://proxy.example.com:8443.helper"},
		{"git", "config", "--global", "--add", "credential.https://proxy.example.com:8443.helper", ""},
		{"git", "config", "--global", "--add", "credential.https://proxy.example.com:8443.helper", "nxcred --profile prod"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("GitSetupCommands = %q, want %q", got, want)
	}
}

// TestSetupWriters holds the setup writers to the package's writer rules:
// one Write on success, the writer's error passed on, nothing written when
// the snippet cannot be made.
func TestSetupWriters(t *testing.T) {
	hosts := []string{"acme.api.eu.nexthink.cloud"}
	writers := []struct {
		name    string
		write   func(w io.Writer) error
		wantErr string
	}{
		{name: "WriteKubectlSetup", write: func(w io.Writer) error {
			return WriteKubectlSetup(w, "/usr/bin/nxcred", "prod", "nxcred login --profile prod --host HOST")
		}},
		{name: "WriteGitSetup", write: func(w io.Writer) error { return WriteGitSetup(w, "prod", hosts) }},
		{name: "WriteDockerSetup", write: func(w io.Writer) error { return WriteDockerSetup(w, hosts) }},
		{name: "WriteBazelSetup", write: func(w io.Writer) error { return WriteBazelSetup(w, "/usr/bin/nxcred", "prod", hosts, nil) }},
		{name: "WriteGoAuthSetup", write: func(w io.Writer) error { return WriteGoAuthSetup(w, "/usr/bin/nxcred", "prod") }},
		{name: "WriteGoAuthSetup both quotes", write: func(w io.Writer) error { return WriteGoAuthSetup(w, `/a "b' c/nxcred`, "prod") }, wantErr: "both kinds of quotes"},
	}
	for _, tt := range writers {
		t.Run(tt.name, func(t *testing.T) {
			var rec testenv.Recorder
			err := tt.write(&rec)
			testenv.CheckWriteResult(t, tt.name, &rec, err, "")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("%s error = %v, want %q", tt.name, err, tt.wantErr)
				}
				return
			}
			if err != nil || !strings.HasSuffix(rec.Buf.String(), "\n") {
				t.Errorf("%s = %q, %v, want a snippet ending in a newline", tt.name, rec.Buf.String(), err)
			}
			if err := tt.write(testenv.FailWriter{}); err == nil {
				t.Errorf("%s to a failing writer = nil error, want the writer's error", tt.name)
			}
			if err := tt.write(testenv.ShortWriter{}); err == nil {
				t.Errorf("%s to a short writer = nil error, want io.ErrShortWrite", tt.name)
			}
		})
	}
}
