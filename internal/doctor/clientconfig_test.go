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
			served, byName := gitHelperHosts(tt.out, hosts)
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

func FuzzGitHelperHosts(f *testing.F) {
	f.Add("credential.https://acme.api.eu.nexthink.cloud.helper \ncredential.https://acme.api.eu.nexthink.cloud.helper nxcred --profile prod\n")
	f.Add("credential.helper !nxcred git\ncredential.https://*.example.com:8443/path.helper  \n")
	f.Add("credential.%zz.helper nxcred\ncredential.https://[::1.helper nxcred\n")
	f.Fuzz(func(t *testing.T, out string) {
		hosts := []string{"acme.api.eu.nexthink.cloud", "proxy.example.com:8443"}
		served, _ := gitHelperHosts(out, hosts)
		for _, h := range served {
			if !slices.Contains(hosts, h) {
				t.Errorf("gitHelperHosts(%q) served %q, not one of the hosts", out, h)
			}
		}
		if !strings.Contains(out, "nxcred") && len(served) > 0 {
			t.Errorf("gitHelperHosts(%q) = %q with no nxcred in the config", out, served)
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
