package doctor

import (
	"strings"
	"testing"
)

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
		{"http://me:pa55@[::1", "(value not shown: it is not of the form scheme://[USER:PASSWORD@]HOST:PORT, and may hold a password)"},
		{"127.0.0.1:1/me:pa55@corp", "(value not shown: it is not of the form scheme://[USER:PASSWORD@]HOST:PORT, and may hold a password)"},
	} {
		got := showProxy(tt.in)
		if got != tt.want {
			t.Errorf("showProxy(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if strings.Contains(got, "pa55") || strings.Contains(got, "me:pa") || strings.Contains(got, "p%40ss") {
			t.Errorf("showProxy(%q) = %q: shows the login", tt.in, got)
		}
	}
}
