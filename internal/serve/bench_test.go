package serve

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"
	"time"
)

// BenchmarkProxyOverhead compares a loopback GET sent to the API host
// directly with the same GET through the proxy (token path answering from
// memory, as nxcred's cache does on a hit). The difference of the medians is
// what the proxy adds; p50-ns and p99-ns are per request.
func BenchmarkProxyOverhead(b *testing.B) {
	hermetic(b)
	payload := make([]byte, 512)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(payload) }))
	defer up.Close()
	u, _ := url.Parse(up.URL)
	tok := Token{Access: tokenName(1), Expiry: time.Now().Add(time.Hour)}
	s, err := New(Config{Upstream: u, Tokens: func(context.Context, Need) (Token, error) { return tok, nil }})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Listen(); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	defer func() { cancel(); <-done }()

	for _, c := range []struct{ name, url string }{
		{"direct", up.URL + "/api/v1/act"},
		{"proxied", s.Info().ProxyURL + "/api/v1/act"},
	} {
		b.Run(c.name, func(b *testing.B) {
			client := &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 4}}
			defer client.CloseIdleConnections()
			get := func() {
				resp, err := client.Get(c.url)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
			get() // open the connections outside the timing
			var d []time.Duration
			for b.Loop() {
				t0 := time.Now()
				get()
				d = append(d, time.Since(t0))
			}
			b.StopTimer()
			slices.Sort(d)
			if len(d) > 0 {
				b.ReportMetric(float64(d[len(d)/2].Nanoseconds()), "p50-ns")
				b.ReportMetric(float64(d[len(d)*99/100].Nanoseconds()), "p99-ns")
			}
		})
	}
}
