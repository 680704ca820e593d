package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nxcred/nxcred/auth"
	"github.com/nxcred/nxcred/internal/clilog"
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

func TestShowProxy(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", "unset"},
		{"http://proxy.example.com:3128", "http://proxy.example.com:3128"},
		{"http://me:pa55@proxy.example.com:3128", "http://***@proxy.example.com:3128"},
		{"http://me@proxy.example.com:3128", "http://***@proxy.example.com:3128"},
		{"proxy.example.com:3128", "http://proxy.example.com:3128"},
		{"me:pa55@proxy.example.com:3128", "http://***@proxy.example.com:3128"},
		{"https://me:p%40ss@proxy.example.com", "https://***@proxy.example.com"},
		{"socks5://me:pa55@127.0.0.1:1080", "socks5://***@127.0.0.1:1080"},
		{"http://me:pa55@[::1", "(set, not shown: it does not parse, and may hold a password)"},
	} {
		got := showProxy(tt.in)
		if got != tt.want {
			t.Errorf("showProxy(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if strings.Contains(got, "pa55") || strings.Contains(got, "me:") || strings.Contains(got, "p%40ss") {
			t.Errorf("showProxy(%q) = %q: shows the login", tt.in, got)
		}
	}
}

// connectProxy is a CONNECT proxy for tests that wants the login user:pw
// and tunnels to any address.
func connectProxy(t *testing.T) *httptest.Server {
	t.Helper()
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte("user:pw"))
	p := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect {
			http.Error(w, "CONNECT only", http.StatusMethodNotAllowed)
			return
		}
		if r.Header.Get("Proxy-Authorization") != want {
			w.WriteHeader(http.StatusProxyAuthRequired)
			return
		}
		up, err := net.Dial("tcp", r.Host)
		if err != nil {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			up.Close()
			return
		}
		io.WriteString(conn, "HTTP/1.1 200 Connection established\r\n\r\n")
		go func() { io.Copy(up, brw); up.Close() }()
		io.Copy(conn, up)
		conn.Close()
	}))
	t.Cleanup(p.Close)
	return p
}

func TestDialThroughProxy(t *testing.T) {
	target := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer target.Close()
	roots := x509.NewCertPool()
	roots.AddCert(target.Certificate())
	proxy := connectProxy(t)
	addr := strings.TrimPrefix(target.URL, "https://")

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	pu, _ := url.Parse(proxy.URL)
	pu.User = url.UserPassword("user", "pw")
	conn, err := dialThroughProxy(ctx, pu, addr, &tls.Config{})
	if err != nil {
		t.Fatalf("dialThroughProxy with the login = %v, want a tunnel", err)
	}
	tc := tls.Client(conn, &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"})
	if err := tc.HandshakeContext(ctx); err != nil {
		t.Errorf("TLS through the tunnel: %v, want the target's certificate", err)
	}
	tc.Close()

	pu.User = nil
	_, err = dialThroughProxy(ctx, pu, addr, &tls.Config{})
	var pe *proxyRefusedError
	if !errors.As(err, &pe) || pe.code != http.StatusProxyAuthRequired {
		t.Errorf("dialThroughProxy without the login = %v, want a 407 proxyRefusedError", err)
	}

	_, err = dialThroughProxy(ctx, &url.URL{Scheme: "http", Host: "127.0.0.1:9"}, addr, &tls.Config{})
	var pd *proxyDialError
	if !errors.As(err, &pd) {
		t.Errorf("dialThroughProxy to a closed port = %v, want a proxyDialError", err)
	}
}

func testDoctor(t *testing.T, env map[string]string) (*doctorRun, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	a := &app{ctx: context.Background(), stdout: &out, stderr: io.Discard, now: time.Now,
		getenv: func(k string) string { return env[k] }}
	a.log, _ = clilog.New(nil)
	return &doctorRun{a: a, w: &out, last: time.Now()}, &out
}

// TestDoctorClientsNotInstalled: a client that is not on PATH is fine, and
// doctor runs nothing for it.
func TestDoctorClientsNotInstalled(t *testing.T) {
	defer func(f func(string) (string, error)) { doctorLookPath = f }(doctorLookPath)
	doctorLookPath = func(name string) (string, error) { return "", exec.ErrNotFound }
	d, out := testDoctor(t, nil)
	d.checkClients(&auth.Profile{Name: "prod", Instance: "acme", Region: "eu", ClientID: "id"})
	want := "ok    kubectl: not installed (no kubectl on PATH)\n" +
		"ok    git: not installed (no git on PATH)\n" +
		"ok    docker: not installed (no docker on PATH)\n" +
		"ok    bazel: not installed (no bazel on PATH)\n" +
		"ok    go: not installed (no go on PATH)\n"
	if out.String() != want {
		t.Errorf("checkClients with nothing on PATH printed\n%s\nwant\n%s", out, want)
	}
	if d.counts != [3]int{5, 0, 0} {
		t.Errorf("counts = %v, want [5 0 0]", d.counts)
	}
}

// TestDoctorReport: a warning or failure always has a fix line, and the
// detail stays on one line whatever the error said.
func TestDoctorReport(t *testing.T) {
	d, out := testDoctor(t, nil)
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
