package protocol

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/nxcred/nxcred/internal/host"
)

var dockerServerHostTests = []struct {
	name, in, want string // want "" means an error
}{
	{"bare host", "acme.api.eu.nexthink.cloud", "acme.api.eu.nexthink.cloud"},
	{"trailing newline", "acme.api.eu.nexthink.cloud\n", "acme.api.eu.nexthink.cloud"},
	{"surrounding space", "  acme.api.eu.nexthink.cloud \r\n", "acme.api.eu.nexthink.cloud"},
	{"host port", "extra.example.com:8443", "extra.example.com:8443"},
	{"default port", "acme.api.eu.nexthink.cloud:443", "acme.api.eu.nexthink.cloud"},
	{"v1 url", "https://index.docker.io/v1/", "index.docker.io"},
	{"url upper case", "HTTPS://ACME.API.EU.NEXTHINK.CLOUD/v2/\n", "acme.api.eu.nexthink.cloud"},
	{"bare host with path", "acme.api.eu.nexthink.cloud/v2/", "acme.api.eu.nexthink.cloud"},
	{"ipv6", "[2001:db8::1]:5000", "[2001:db8::1]:5000"},
	{"empty", "", ""},
	{"only space", " \n", ""},
	{"http url", "http://acme.api.eu.nexthink.cloud/", ""},
	{"userinfo trick", "https://acme.api.eu.nexthink.cloud@evil.com/", ""},
	{"two lines", "evil.com\nacme.api.eu.nexthink.cloud", ""},
	{"inner space", "acme.api.eu.nexthink.cloud evil.com", ""},
	{"suffix attack", "acme.api.eu.nexthink.cloud.evil.com", "acme.api.eu.nexthink.cloud.evil.com"},
	{"backslash", `evil.com\acme.api.eu.nexthink.cloud`, ""},
	{"percent", "acme%2Eapi.eu.nexthink.cloud", ""},
	{"unicode", "\u212Acme.example", ""},
}

func TestDockerServerHost(t *testing.T) {
	for _, tt := range dockerServerHostTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DockerServerHost(tt.in)
			if tt.want == "" {
				if err == nil {
					t.Errorf("DockerServerHost(%q) = %q, want an error", tt.in, got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("DockerServerHost(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestDockerUsername(t *testing.T) {
	// docker reads "<token>" as "Secret is an identity token" (docs/protocols.md §3.2).
	if DockerUsername == "" || DockerUsername == "<token>" {
		t.Errorf("DockerUsername = %q, want a fixed name other than \"<token>\"", DockerUsername)
	}
}

func FuzzDockerServerHost(f *testing.F) {
	for _, tt := range dockerServerHostTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := DockerServerHost(in)
		want, wantErr := HostFromURL(strings.TrimSpace(in))
		if (err == nil) != (wantErr == nil) || got != want {
			t.Fatalf("DockerServerHost(%q) = %q, %v, want HostFromURL of it trimmed = %q, %v", in, got, err, want, wantErr)
		}
		if err == nil && (got == "" || host.Normalize("", got) != got) {
			t.Fatalf("DockerServerHost(%q) = %q, not a normalized host", in, got)
		}
	})
}

// chunks gives data in reads of at most size bytes.
type chunks struct {
	data []byte
	size int
}

func (c *chunks) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), c.size)], c.data)
	c.data = c.data[n:]
	return n, nil
}

// FuzzDockerInput: whatever stdin holds and however it arrives, reading it
// through DockerInput gives all of it up to MaxDockerInput bytes, and past
// that the first MaxDockerInput bytes and ErrDockerInputTooLong, having read
// at most one byte more.
func FuzzDockerInput(f *testing.F) {
	f.Add([]byte("https://acme.api.eu.nexthink.cloud/v1/\n"), uint16(1), uint16(7))
	f.Add([]byte("a\n"), uint16(MaxDockerInput/2), uint16(4096))
	f.Add([]byte("xy"), uint16(MaxDockerInput/2), uint16(1))
	f.Add([]byte("xy"), uint16(MaxDockerInput/2+1), uint16(65535))
	f.Fuzz(func(t *testing.T, unit []byte, repeat, size uint16) {
		data := bytes.Repeat(unit, int(repeat))
		src := &chunks{data: data, size: int(size)%8192 + 1}
		got, err := io.ReadAll(DockerInput(src))
		read := len(data) - len(src.data)
		switch {
		case len(data) <= MaxDockerInput:
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("DockerInput of %d bytes = %d bytes, %v; want all of it", len(data), len(got), err)
			}
		case !errors.Is(err, ErrDockerInputTooLong) || !bytes.Equal(got, data[:MaxDockerInput]) || read > MaxDockerInput+1:
			t.Fatalf("DockerInput of %d bytes = %d bytes, %v, having read %d; want %d bytes and ErrDockerInputTooLong", len(data), len(got), err, read, MaxDockerInput)
		}
	})
}
