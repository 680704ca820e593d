package protocol

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/nxcred/nxcred/internal/host"
	"github.com/nxcred/nxcred/internal/testenv"
)

var parseExecInfoTests = []struct {
	name string
	env  string
	want ExecInfo
	ok   bool
}{
	{"absent", "", ExecInfo{APIVersion: KubeAPIV1beta1}, true},
	{"v1", `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}`,
		ExecInfo{APIVersion: KubeAPIV1}, true},
	{"v1beta1 interactive", `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","spec":{"interactive":true}}`,
		ExecInfo{APIVersion: KubeAPIV1beta1}, true},
	{"cluster info", `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"cluster":{"server":"https://ACME.api.eu.nexthink.cloud:443","certificate-authority-data":"TFMwdExTMUNSVWRKVGlCRFJWSlVTVVpKUTBGVVJTMHRMUzB0Q2c9PQ==","config":{"a":1}},"interactive":false}}`,
		ExecInfo{APIVersion: KubeAPIV1, ServerHost: "acme.api.eu.nexthink.cloud"}, true},
	{"cluster with path and port", `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"cluster":{"server":"https://rancher.example.com:8443/k8s/clusters/c-1"}}}`,
		ExecInfo{APIVersion: KubeAPIV1, ServerHost: "rancher.example.com:8443"}, true},
	{"unknown fields", `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":null,"extra":[1,2],"spec":{"interactive":false,"x":{}}}`,
		ExecInfo{APIVersion: KubeAPIV1}, true},
	{"no spec", `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1"}`, ExecInfo{APIVersion: KubeAPIV1}, true},
	{"null cluster", `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"cluster":null}}`, ExecInfo{APIVersion: KubeAPIV1}, true},
	{"v1alpha1", `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1alpha1","spec":{}}`, ExecInfo{}, false},
	{"no apiVersion", `{"kind":"ExecCredential","spec":{}}`, ExecInfo{}, false},
	{"wrong kind", `{"kind":"Pod","apiVersion":"client.authentication.k8s.io/v1","spec":{}}`, ExecInfo{}, false},
	{"no kind", `{"apiVersion":"client.authentication.k8s.io/v1","spec":{}}`, ExecInfo{}, false},
	{"malformed", `{"kind":"ExecCredential",`, ExecInfo{}, false},
	{"trailing data", `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1"} {}`, ExecInfo{}, false},
	{"array", `[]`, ExecInfo{}, false},
	{"null", `null`, ExecInfo{}, false},
	{"interactive not bool", `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":"yes"}}`, ExecInfo{}, false},
	{"empty server", `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"cluster":{}}}`, ExecInfo{}, false},
	{"http server", `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"cluster":{"server":"http://acme.api.eu.nexthink.cloud"}}}`, ExecInfo{}, false},
	{"userinfo server", `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"cluster":{"server":"https://acme.api.eu.nexthink.cloud@evil.com"}}}`, ExecInfo{}, false},
	{"unparseable server", `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"cluster":{"server":"https://exa mple.com"}}}`, ExecInfo{}, false},
}

func TestParseExecInfo(t *testing.T) {
	for _, tt := range parseExecInfoTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseExecInfo(tt.env)
			if !tt.ok {
				if err == nil {
					t.Errorf("ParseExecInfo(%s) = %+v, want an error", tt.env, got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseExecInfo(%s) = %+v, %v, want %+v", tt.env, got, err, tt.want)
			}
		})
	}
}

func FuzzParseExecInfo(f *testing.F) {
	for _, tt := range parseExecInfoTests {
		f.Add(tt.env)
	}
	f.Fuzz(func(t *testing.T, env string) {
		got, err := ParseExecInfo(env)
		if err != nil {
			if got != (ExecInfo{}) {
				t.Fatalf("ParseExecInfo(%q) = %+v, %v, want a zero ExecInfo with the error", env, got, err)
			}
			return
		}
		if got.APIVersion != KubeAPIV1 && got.APIVersion != KubeAPIV1beta1 {
			t.Fatalf("ParseExecInfo(%q).APIVersion = %q, want v1 or v1beta1", env, got.APIVersion)
		}
		if got.ServerHost != "" && host.Normalize("https", got.ServerHost) != got.ServerHost {
			t.Fatalf("ParseExecInfo(%q).ServerHost = %q, not a normalized host", env, got.ServerHost)
		}
		// What was read survives a trip through the same JSON shape.
		in := map[string]any{
			"kind":       "ExecCredential",
			"apiVersion": got.APIVersion,
			"spec":       map[string]any{"interactive": true},
		}
		if got.ServerHost != "" {
			hp := got.ServerHost
			if _, _, ip6 := splitNormalized(hp); ip6 && !strings.HasPrefix(hp, "[") {
				hp = "[" + hp + "]"
			}
			in["spec"].(map[string]any)["cluster"] = map[string]any{"server": "https://" + hp}
		}
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseExecInfo(string(b))
		if err != nil || again != got {
			t.Fatalf("ParseExecInfo(%s) = %+v, %v, want %+v (round trip of %q)", b, again, err, got, env)
		}
	})
}

func TestWriteExecCredential(t *testing.T) {
	tests := []struct {
		name       string
		apiVersion string
		c          Credential
		want       string // "" means an error
	}{
		{"v1 with expiry", KubeAPIV1, Credential{Token: testToken, TokenType: "Bearer", Expires: testExpiry},
			`{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"` + testToken + `","expirationTimestamp":"2025-03-01T12:14:00Z"}}` + "\n"},
		{"v1beta1 no expiry", KubeAPIV1beta1, Credential{Token: testToken},
			`{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"` + testToken + `"}}` + "\n"},
		{"expiry in another zone, with fraction", KubeAPIV1, Credential{Token: testToken, Expires: time.Date(2025, 3, 1, 13, 14, 0, 999_000_000, time.FixedZone("CET", 3600))},
			`{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"` + testToken + `","expirationTimestamp":"2025-03-01T12:14:00Z"}}` + "\n"},
		{"bad version", "client.authentication.k8s.io/v1alpha1", Credential{Token: testToken}, ""},
		{"empty version", "", Credential{Token: testToken}, ""},
		{"empty token", KubeAPIV1, Credential{}, ""},
		{"token with quote", KubeAPIV1, Credential{Token: testToken + `","x":"`}, ""},
		{"expiry year 10000", KubeAPIV1, Credential{Token: testToken, Expires: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec testenv.Recorder
			err := WriteExecCredential(&rec, tt.apiVersion, tt.c)
			testenv.CheckWriteResult(t, "WriteExecCredential", &rec, err, tt.c.Token)
			if tt.want == "" {
				if err == nil {
					t.Errorf("WriteExecCredential(%q, %s) = %q, want an error", tt.apiVersion, tt.name, rec.Buf.String())
				}
				return
			}
			if got := rec.Buf.String(); err != nil || got != tt.want {
				t.Errorf("WriteExecCredential(%q, %s) = %q, %v, want %q", tt.apiVersion, tt.name, got, err, tt.want)
			}
		})
	}
}

func TestWriteExecCredentialWriteErrors(t *testing.T) {
	c := Credential{Token: testToken}
	if err := WriteExecCredential(testenv.FailWriter{}, KubeAPIV1, c); err == nil {
		t.Errorf("WriteExecCredential(failing writer) = nil, want an error")
	}
	if err := WriteExecCredential(testenv.ShortWriter{}, KubeAPIV1, c); err == nil {
		t.Errorf("WriteExecCredential(short writer) = nil, want an error")
	}
}

// execCredentialOut is how client-go reads the plugin's answer.
type execCredentialOut struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Status     *struct {
		Token               string     `json:"token"`
		ExpirationTimestamp *time.Time `json:"expirationTimestamp"`
	} `json:"status"`
}

func FuzzWriteExecCredential(f *testing.F) {
	f.Add(KubeAPIV1, testToken, int64(1740831240))
	f.Add(KubeAPIV1beta1, "abc==", int64(0))
	f.Add("v1", "a\nb", int64(-1))
	f.Add(KubeAPIV1, "tok", int64(253402300800))
	f.Fuzz(func(t *testing.T, apiVersion, token string, unix int64) {
		c := Credential{Token: token, TokenType: "Bearer"}
		if unix != 0 {
			c.Expires = time.Unix(unix, 0)
		}
		var rec testenv.Recorder
		err := WriteExecCredential(&rec, apiVersion, c)
		if err != nil && quotes(token, apiVersion) {
			token = "" // the error may quote the apiVersion, which is not secret
		}
		testenv.CheckWriteResult(t, "WriteExecCredential", &rec, err, token)
		if err != nil {
			return
		}
		out := rec.Buf.String()
		if !strings.HasSuffix(out, "}\n") || strings.Count(out, "\n") != 1 {
			t.Fatalf("WriteExecCredential(%q, %q, %d) = %q, want one line of JSON", apiVersion, token, unix, out)
		}
		var got execCredentialOut
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("WriteExecCredential(%q, %q, %d) = %q, which client-go cannot decode: %v", apiVersion, token, unix, out, err)
		}
		if got.APIVersion != apiVersion || got.Kind != "ExecCredential" || got.Status == nil || got.Status.Token != token {
			t.Fatalf("WriteExecCredential(%q, %q, %d) = %q, decodes to %+v", apiVersion, token, unix, out, got)
		}
		switch ts := got.Status.ExpirationTimestamp; {
		case c.Expires.IsZero() && ts != nil:
			t.Fatalf("WriteExecCredential(%q, %q, %d) = %q, want no expirationTimestamp", apiVersion, token, unix, out)
		case !c.Expires.IsZero() && (ts == nil || !ts.Equal(c.Expires)):
			t.Fatalf("WriteExecCredential(%q, %q, %d) = %q, expirationTimestamp %v, want %v", apiVersion, token, unix, out, ts, c.Expires)
		}
	})
}
