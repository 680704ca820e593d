package oauth

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nxcred/nxcred/internal/config"
)

func TestShowProxy(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in, want string
	}{
		{"http://proxy.example.com:3128", "http://proxy.example.com:3128"},
		{"http://proxy.example.com:3128/", "http://proxy.example.com:3128"},
		{"proxy.example.com:3128", "http://proxy.example.com:3128"},
		{"http://me:pa55@proxy.example.com:3128", "http://***@proxy.example.com:3128"},
		{"http://me@proxy.example.com:3128", "http://***@proxy.example.com:3128"},
		{"me:pa55@proxy.example.com:3128", "http://***@proxy.example.com:3128"},
		{"https://me:p%40ss@proxy.example.com", "https://***@proxy.example.com"},
		{"http://me:p@ss@proxy.example.com:3128", "http://***@proxy.example.com:3128"},
		{"socks5://me:pa55@127.0.0.1:1080", "socks5://***@127.0.0.1:1080"},
		{"http://[::1]:3128", "http://[::1]:3128"},
		// The shapes net/http reads otherwise than they are written.
		{"127.0.0.1:1/user:Pr0xyPassw0rd@corp", ProxyNotShown},
		{"http://127.0.0.1:1/user:Pr0xyPassw0rd@corp", ProxyNotShown},
		{"http://user:pw@proxy.example.com :3128", ProxyNotShown},
		{"http://http://user:pw@proxy.example.com%20:3128", ProxyNotShown},
		{"http://user:48151623/x@corp:3128", ProxyNotShown},
		{"http://user:pw#x@corp:3128", ProxyNotShown},
		{"http://user:pw?x@corp:3128", ProxyNotShown},
		{"http://me:pa55@[::1", ProxyNotShown},
		{"http://proxy.example.com:3128/path", ProxyNotShown},
		{"ftp://proxy.example.com:21", ProxyNotShown},
		{"http://prox%79.example.com:3128", ProxyNotShown},
		{"", ProxyNotShown},
	} {
		got, ok := ShowProxy(tt.in)
		if got != tt.want || ok != (tt.want != ProxyNotShown) {
			t.Errorf("ShowProxy(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}

// shownProxy is the whole of what ShowProxy may return besides
// ProxyNotShown.
var shownProxy = regexp.MustCompile(`^(http|https|socks5|socks5h)://(\*\*\*@)?([A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$`)

// FuzzShowProxy: whatever the setting, ShowProxy returns ProxyNotShown or
// scheme://[***@]host[:port], and nothing that comes before an '@' in the
// value reaches it unless it is also written after the last '@' (where the
// host is): no login, meant or parsed, survives.
func FuzzShowProxy(f *testing.F) {
	for _, s := range []string{
		"127.0.0.1:1/user:Pr0xyPassw0rd@corp", "http://user:pw@proxy.example.com :3128",
		"http://me:pa55@proxy.example.com:3128", "socks5h://[::1]:1080", "user:48151623@corp",
		"http://user:48151623/x@corp:3128", "Pr0xy@Passw0rd@host", "http://a@b@c",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		got, ok := ShowProxy(v)
		if !ok {
			if got != ProxyNotShown {
				t.Fatalf("ShowProxy(%q) = %q, false; want ProxyNotShown", v, got)
			}
			return
		}
		if !shownProxy.MatchString(got) {
			t.Fatalf("ShowProxy(%q) = %q, not scheme://[***@]host[:port]", v, got)
		}
		at := strings.LastIndexByte(v, '@')
		if at < 0 {
			return
		}
		// The scheme is one of four fixed words: the host is what is shown
		// of the value.
		_, host, _ := strings.Cut(got, "://")
		host = strings.TrimPrefix(host, "***@")
		before, after := v[:at], v[at+1:]
		for _, word := range regexp.MustCompile(`[A-Za-z0-9]{3,}`).FindAllString(before, -1) {
			if strings.Contains(host, word) && !strings.Contains(after, word) {
				t.Fatalf("ShowProxy(%q) = %q, shows %q from before the '@'", v, got, word)
			}
		}
	})
}

// TestProxyReason: net's failures to reach a proxy, said without its address.
func TestProxyReason(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		err  error
		want string
	}{
		{&net.OpError{Op: "proxyconnect", Err: &net.AddrError{Err: "invalid port", Addr: "48151623"}}, "its address is not a host and port"},
		{&net.OpError{Op: "proxyconnect", Err: &net.DNSError{Name: "jdoe77", Err: "no such host", IsNotFound: true}}, "its host name does not resolve"},
		{&net.OpError{Op: "proxyconnect", Err: &net.OpError{Op: "dial", Err: errors.New("x")}}, "the connection failed"},
	} {
		if got := ProxyReason(tt.err); got != tt.want {
			t.Errorf("ProxyReason(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

// TestFetchThroughUnparsedProxy: with HTTPS_PROXY written so that net/http
// takes a login for a host (a numeric password becomes the port, a user name
// the host to resolve), the token request's error holds neither.
func TestFetchThroughUnparsedProxy(t *testing.T) {
	t.Parallel()
	for _, setting := range []string{"http://jdoe77:48151623/x@corp:3128", "http://jdoe77.invalid:1/Pr0xyPassw0rd@corp"} {
		proxy, ok := parseProxy(setting)
		if !ok {
			t.Fatalf("parseProxy(%q) failed", setting)
		}
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.Proxy = http.ProxyURL(proxy)
		tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			// As net.Dialer answers for these addresses, without a lookup.
			if strings.HasSuffix(addr, ":48151623") {
				return nil, &net.OpError{Op: "dial", Net: network, Err: &net.AddrError{Err: "invalid port", Addr: "48151623"}}
			}
			return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Name: "jdoe77.invalid", Err: "no such host", IsNotFound: true}}
		}
		p := &config.Profile{Name: "prod", ClientID: testClientID, TokenURL: "https://acme-login.eu.nexthink.cloud/oauth2/default/v1/token"}
		_, err := newFetcher(p, testSecret, &http.Client{Transport: tr, Timeout: 5 * time.Second}, &sleepRecorder{}).Fetch(context.Background())
		fe := fetchError(t, err)
		want := "cannot reach token endpoint acme-login.eu.nexthink.cloud through the proxy in HTTPS_PROXY " + ProxyNotShown + ": "
		if !strings.HasPrefix(fe.Error(), want) || fe.Retryable {
			t.Errorf("Fetch() through %q = %q (retryable %v), want %q... not retryable", setting, fe.Error(), fe.Retryable, want)
		}
		for _, s := range []string{"48151623", "jdoe77", "Pr0xyPassw0rd", "corp", url.PathEscape("Pr0xyPassw0rd")} {
			if strings.Contains(fe.Error(), s) || strings.Contains(fe.Hint(), s) {
				t.Errorf("Fetch() through %q: error %q / hint %q show %q", setting, fe.Error(), fe.Hint(), s)
			}
		}
	}
}
