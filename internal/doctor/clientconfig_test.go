package doctor

import (
	"bytes"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestGitHelperHosts(t *testing.T) {
	hosts := []string{"acme.api.eu.nexthink.cloud", "proxy.example.com"}
	for _, tt := range []struct {
		name       string
		out        string
		served     []string
		wantByName bool
	}{
		{"nothing", "", nil, false},
		{"everywhere", "credential.helper nxcred\n", hosts, true},
		{"as configure writes it",
			"credential.https://acme.api.eu.nexthink.cloud.helper \ncredential.https://acme.api.eu.nexthink.cloud.helper nxcred --profile prod\n",
			[]string{"acme.api.eu.nexthink.cloud"}, true},
		{"absolute path", "credential.https://proxy.example.com.helper /usr/local/bin/nxcred git --profile prod\n", []string{"proxy.example.com"}, false},
		{"shell snippet", "credential.helper !nxcred git\n", hosts, false},
		{"reset after", "credential.helper nxcred\ncredential.helper \n", nil, false},
		{"reset for one host only",
			"credential.helper nxcred\ncredential.https://proxy.example.com.helper \n",
			[]string{"acme.api.eu.nexthink.cloud"}, true},
		{"another helper", "credential.helper store\ncredential.helper osxkeychain\n", nil, false},
		{"another host", "credential.https://github.com.helper nxcred\n", nil, false},
		{"wildcard", "credential.https://*.example.com.helper nxcred\n", []string{"proxy.example.com"}, true},
		{"http is not https", "credential.http://proxy.example.com.helper nxcred\n", nil, false},
		{"default port", "credential.https://proxy.example.com:443.helper nxcred\n", []string{"proxy.example.com"}, true},
		{"CRLF", "credential.helper nxcred\r\n", hosts, true},
		{"not a helper key", "credential.username nxcred\n", nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			served, byName, _ := gitHelperHosts(globalEntries(tt.out), hosts)
			if !slices.Equal(served, tt.served) || byName != tt.wantByName {
				t.Errorf("gitHelperHosts(%q) = %q, %v, want %q, %v", tt.out, served, byName, tt.served, tt.wantByName)
			}
		})
	}
}

// TestGitAbsolute: a helper is a path, not a name git prefixes with
// git-credential-, exactly when git says so: a leading / everywhere, and on
// Windows also a leading \ or a drive letter.
func TestGitAbsolute(t *testing.T) {
	onWindows := runtime.GOOS == "windows"
	for _, tt := range []struct {
		helper string
		want   bool
	}{
		{"/usr/local/bin/nxcred", true},
		{"nxcred", false},
		{"bin/nxcred", false},
		{`C:\Users\me\AppData\Local\Programs\nxcred\nxcred.exe`, onWindows},
		{"C:/Users/me/nxcred.exe", onWindows},
		{`\\server\share\nxcred.exe`, onWindows},
	} {
		if got := gitAbsolute(tt.helper); got != tt.want {
			t.Errorf("gitAbsolute(%q) on %s = %v, want %v", tt.helper, runtime.GOOS, got, tt.want)
		}
	}
}

// globalEntries turns "key value" lines into helper entries of ~/.gitconfig.
func globalEntries(lines string) []gitEntry {
	var out strings.Builder
	for line := range strings.Lines(lines) {
		key, value, _ := strings.Cut(strings.TrimRight(line, "\r\n"), " ")
		out.WriteString("global\x00file:/home/me/.gitconfig\x00" + key + "\n" + value + "\x00")
	}
	return parseGitConfig(out.String())
}

// TestParseGitConfig reads git's -z records, scope and origin included, and
// leaves out a key without a value.
func TestParseGitConfig(t *testing.T) {
	out := "global\x00file:/home/me/.gitconfig\x00credential.https://h.example.com.helper\n\x00" +
		"local\x00file:.git/config\x00credential.helper\ncache --timeout 9\x00" +
		"local\x00file:.git/config\x00credential.helper\x00" +
		"command\x00command line:\x00credential.helper\nx\x00"
	want := []gitEntry{
		{"global", "file:/home/me/.gitconfig", "credential.https://h.example.com.helper", ""},
		{"local", "file:.git/config", "credential.helper", "cache --timeout 9"},
		{"command", "command line:", "credential.helper", "x"},
	}
	if got := parseGitConfig(out); !slices.Equal(got, want) {
		t.Errorf("parseGitConfig(%q) = %q, want %q", out, got, want)
	}
}

// TestGitOtherHelpers: every helper but nxcred in the list of a host nxcred
// serves is found, once, with the hosts whose tokens it gets; helpers the
// empty value drops are not.
func TestGitOtherHelpers(t *testing.T) {
	hosts := []string{"acme.api.eu.nexthink.cloud", "proxy.example.com"}
	configured := "credential.https://acme.api.eu.nexthink.cloud.helper \ncredential.https://acme.api.eu.nexthink.cloud.helper nxcred --profile prod\n" +
		"credential.https://proxy.example.com.helper \ncredential.https://proxy.example.com.helper nxcred --profile prod\n"
	for _, tt := range []struct {
		name, out string
		want      []string // value: hosts
	}{
		{"store before nxcred is dropped", "credential.helper store\n" + configured, nil},
		{"store after nxcred", configured + "credential.helper store\n", []string{"store: acme.api.eu.nexthink.cloud,proxy.example.com"}},
		{"store for one host after", configured + "credential.https://proxy.example.com.helper osxkeychain\n", []string{"osxkeychain: proxy.example.com"}},
		{"store before nxcred without the reset", "credential.helper store\ncredential.helper nxcred\n", []string{"store: acme.api.eu.nexthink.cloud,proxy.example.com"}},
		{"a reset after it", configured + "credential.helper store\ncredential.https://acme.api.eu.nexthink.cloud.helper \n", []string{"store: proxy.example.com"}},
		{"another host's helper", configured + "credential.https://github.com.helper store\n", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, others := gitHelperHosts(globalEntries(tt.out), hosts)
			var got []string
			for _, o := range others {
				got = append(got, o.value+": "+strings.Join(o.hosts, ","))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("gitHelperHosts(%q) others = %q, want %q", tt.out, got, tt.want)
			}
		})
	}
}

// TestGitHelperFix: the fix names the scope and the exact entry; in
// ~/.gitconfig, configure --apply again is the fix that keeps the helper for
// other hosts.
func TestGitHelperFix(t *testing.T) {
	for _, tt := range []struct {
		o    gitOther
		want string
	}{
		{gitOther{gitEntry: gitEntry{"global", "file:/h/.gitconfig", "credential.helper", "store"}},
			"nxcred configure git --profile prod --apply (it puts nxcred's entries after that helper), or remove the helper: git config --global --fixed-value --unset-all credential.helper store"},
		{gitOther{gitEntry: gitEntry{"local", "file:.git/config", "credential.helper", "cache --timeout 9"}},
			`remove the helper: git config --local --fixed-value --unset-all credential.helper "cache --timeout 9"`},
		{gitOther{gitEntry: gitEntry{"command", "command line:", "credential.helper", "store"}},
			"remove credential.helper=store from the git command line, GIT_CONFIG_PARAMETERS or GIT_CONFIG_COUNT"},
	} {
		if got := gitHelperFix(tt.o, "prod"); got != tt.want {
			t.Errorf("gitHelperFix(%v) = %q, want %q", tt.o, got, tt.want)
		}
	}
}

func TestDockerHelperHosts(t *testing.T) {
	hosts := []string{"acme.api.eu.nexthink.cloud", "proxy.example.com"}
	for _, tt := range []struct {
		name    string
		data    string
		served  []string
		wantErr bool
	}{
		{"no file", "", nil, false},
		{"credsStore", `{"credsStore":"nxcred"}`, hosts, false},
		{"other credsStore", `{"credsStore":"desktop"}`, nil, false},
		{"one credHelper", `{"credHelpers":{"proxy.example.com":"nxcred","gcr.io":"gcloud"}}`, []string{"proxy.example.com"}, false},
		{"https key", `{"credHelpers":{"https://acme.api.eu.nexthink.cloud":"nxcred"}}`, []string{"acme.api.eu.nexthink.cloud"}, false},
		{"another helper for our host", `{"credHelpers":{"proxy.example.com":"desktop"}}`, nil, false},
		{"not JSON", `{"credHelpers":`, nil, true},
		{"wrong shape", `{"credHelpers":["nxcred"]}`, nil, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			served, err := dockerHelperHosts([]byte(tt.data), hosts)
			if !slices.Equal(served, tt.served) || (err != nil) != tt.wantErr {
				t.Errorf("dockerHelperHosts(%s) = %q, %v, want %q, error %v", tt.data, served, err, tt.served, tt.wantErr)
			}
		})
	}
}

func TestKubeconfigRunsNxcred(t *testing.T) {
	for _, tt := range []struct {
		name string
		data string
		want bool
	}{
		{"configure's snippet", "users:\n- name: nexthink-prod\n  user:\n    exec:\n      command: /home/me/.local/bin/nxcred\n      args:\n      - kubectl\n", true},
		{"on PATH", "      command: nxcred\n", true},
		{"quoted with spaces", "      command: \"/Users/me/my tools/nxcred\"\n", true},
		{"windows", "      command: 'C:\\Users\\me\\bin\\nxcred.exe'\n", true},
		{"yaml single quotes", "      command: '/opt/it''s/nxcred'\n", true},
		{"json", `{"users":[{"name":"n","user":{"exec":{"command":"/usr/bin/nxcred","args":["kubectl"]}}}]}`, true},
		{"json windows", `{"exec":{"command":"C:\\Users\\me\\bin\\nxcred.exe"}}`, true},
		{"json one per line", "{\n  \"exec\": {\n    \"command\": \"/usr/bin/nxcred\",\n", true},
		{"comment after", "      command: nxcred # the helper\n", true},
		{"another plugin", "      command: gke-gcloud-auth-plugin\n", false},
		{"nxcred as an argument", "      command: aws\n      args:\n      - nxcred\n", false},
		{"nxcred in a name only", "- name: nxcred\n", false},
		{"similar name", "      command: /usr/bin/nxcred-old\n", false},
		{"empty", "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := kubeconfigRunsNxcred([]byte(tt.data)); got != tt.want {
				t.Errorf("kubeconfigRunsNxcred(%q) = %v, want %v", tt.data, got, tt.want)
			}
		})
	}
}

func TestBazelrcUsesNxcred(t *testing.T) {
	for _, tt := range []struct {
		name string
		data string
		want bool
	}{
		{"configure's line", "common --credential_helper=acme.api.eu.nexthink.cloud=/usr/local/bin/nxcred\n", true},
		{"build only", "build --credential_helper=*.example.com=%workspace%/tools/nxcred\n", true},
		{"commented out", "# common --credential_helper=acme.api.eu.nexthink.cloud=/usr/local/bin/nxcred\n", false},
		{"another helper", "common --credential_helper=/usr/local/bin/gcloud-helper\n", false},
		{"nxcred before the flag", "# nxcred\ncommon --remote_cache=grpcs://nxcred.example.com --credential_helper=other\n", false},
		{"empty", "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := bazelrcUsesNxcred([]byte(tt.data)); got != tt.want {
				t.Errorf("bazelrcUsesNxcred(%q) = %v, want %v", tt.data, got, tt.want)
			}
		})
	}
}

// FuzzGitHelperHosts: whatever git's -z output holds, only the given hosts
// are served, only when some helper names nxcred, and the other helpers are
// never nxcred and get tokens only for served hosts.
func FuzzGitHelperHosts(f *testing.F) {
	f.Add("global\x00file:/h/.gitconfig\x00credential.https://acme.api.eu.nexthink.cloud.helper\n\x00global\x00file:/h/.gitconfig\x00credential.https://acme.api.eu.nexthink.cloud.helper\nnxcred --profile prod\x00")
	f.Add("global\x00file:/h/.gitconfig\x00credential.helper\n!nxcred git\x00local\x00file:.git/config\x00credential.https://*.example.com:8443/path.helper\nstore\x00")
	f.Add("command\x00command line:\x00credential.%zz.helper\nnxcred\x00x\x00y\x00credential.https://[::1.helper\nnxcred\x00")
	f.Fuzz(func(t *testing.T, out string) {
		hosts := []string{"acme.api.eu.nexthink.cloud", "proxy.example.com:8443"}
		served, _, others := gitHelperHosts(parseGitConfig(out), hosts)
		for _, h := range served {
			if !slices.Contains(hosts, h) {
				t.Errorf("gitHelperHosts(%q) served %q, not one of the hosts", out, h)
			}
		}
		if !strings.Contains(out, "nxcred") && len(served) > 0 {
			t.Errorf("gitHelperHosts(%q) = %q with no nxcred in the config", out, served)
		}
		for _, o := range others {
			if isNxcredHelper(o.value) || len(o.hosts) == 0 {
				t.Errorf("gitHelperHosts(%q) other helper %q for %q", out, o.value, o.hosts)
			}
			for _, h := range o.hosts {
				if !slices.Contains(served, h) {
					t.Errorf("gitHelperHosts(%q) other helper %q gets %q, which nxcred does not serve", out, o.value, h)
				}
			}
		}
	})
}

func FuzzDockerHelperHosts(f *testing.F) {
	f.Add([]byte(`{"credsStore":"nxcred"}`))
	f.Add([]byte(`{"auths":{},"credHelpers":{"acme.api.eu.nexthink.cloud":"nxcred"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		hosts := []string{"acme.api.eu.nexthink.cloud"}
		served, err := dockerHelperHosts(data, hosts)
		if err != nil && served != nil {
			t.Errorf("dockerHelperHosts(%q) = %q and error %v", data, served, err)
		}
	})
}

func FuzzKubeconfigAndBazelrc(f *testing.F) {
	f.Add([]byte("users:\n- name: n\n  user:\n    exec:\n      command: /usr/bin/nxcred # x\n"))
	f.Add([]byte("common --credential_helper=acme.api.eu.nexthink.cloud=/usr/local/bin/nxcred\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if kubeconfigRunsNxcred(data) && !bytes.Contains(bytes.ToLower(data), []byte("nxcred")) {
			t.Errorf("kubeconfigRunsNxcred(%q) = true with no nxcred in it", data)
		}
		if bazelrcUsesNxcred(data) && !bytes.Contains(data, []byte("nxcred")) {
			t.Errorf("bazelrcUsesNxcred(%q) = true with no nxcred in it", data)
		}
	})
}
