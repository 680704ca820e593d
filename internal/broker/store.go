package broker

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/nxcred/nxcred/internal/cache"
	"github.com/nxcred/nxcred/internal/config"
	"github.com/nxcred/nxcred/internal/oauth"
)

// Store opens the token cache; the duration is NXCRED_TIMEOUT, which bounds
// the wait for another process's token request and this call's own.
func (b *Broker) Store() (*cache.Store, time.Duration, error) {
	timeout, err := Duration(b.Getenv, "NXCRED_TIMEOUT", oauth.DefaultTimeout)
	if err != nil {
		return nil, 0, err
	}
	return &cache.Store{Dir: b.CacheDir, LockWait: timeout, Now: b.Now, Log: b.Log, Remember: rememberFor,
		Warn: b.Warn, Settings: b}, timeout, nil
}

// requestVars are the variables that shape a token request besides the
// profile and its secret: the proxies (as net/http reads them, CGI's
// REQUEST_METHOD included), the CA bundle and the deadline.
var requestVars = []string{
	"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "REQUEST_METHOD",
	"SSL_CERT_FILE", "SSL_CERT_DIR", "NXCRED_TIMEOUT",
}

// RequestSettings describes this call's request settings, for the failure
// memo (cache.Store.Settings): a failure is not replayed to a call whose
// settings differ, so fixing a proxy or a CA bundle (even in place: the
// bundle's size and time are part of it) takes effect at once. The cache
// stores only a digest. A method, not a closure: building the Store on a
// cache hit allocates nothing for it.
func (b *Broker) RequestSettings() string {
	var sb strings.Builder
	for _, k := range requestVars {
		sb.WriteString(k)
		sb.WriteByte('=')
		sb.WriteString(b.Getenv(k))
		sb.WriteByte(0)
	}
	if f := b.Getenv("SSL_CERT_FILE"); f != "" {
		if fi, err := os.Stat(f); err == nil {
			fmt.Fprintf(&sb, "bundle %d %d", fi.Size(), fi.ModTime().UnixNano())
		}
	}
	return sb.String()
}

// rememberFor says how long a failed token request is remembered, so that a
// burst of callers waiting for it fail fast with its error instead of each
// asking again: a rejected secret for 10 s (the memo is keyed by the secret,
// so a corrected one is tried at once), anything else for 3 s.
func rememberFor(err error) time.Duration {
	var fe *oauth.FetchError
	if !errors.As(err, &fe) {
		return 0
	}
	if fe.Kind == oauth.KindSecretRejected {
		return 10 * time.Second
	}
	return 3 * time.Second
}

// SlotFor is the cache slot of p, keyed by its secret.
func SlotFor(p *config.Profile, secret string) cache.Slot {
	id := p.Identity()
	return cache.Slot{Name: p.SlotName(), ID: id, Key: cache.DeriveKey(secret, id), Label: p.Label()}
}

// Fetcher builds the token request for p; called only on a cache miss, so a
// hit never builds an HTTP client.
func (b *Broker) Fetcher(p *config.Profile, secret string, timeout time.Duration, timeoutVar string) (*oauth.Fetcher, error) {
	client, err := oauth.NewHTTPClient(b.Getenv("SSL_CERT_FILE"))
	if err != nil {
		return nil, err
	}
	return &oauth.Fetcher{Profile: p, Secret: secret, Client: client, Timeout: timeout, TimeoutVar: timeoutVar, Now: b.Now, Log: b.Log,
		Warn: b.Warn}, nil
}

// Duration reads a duration variable: Go syntax (15s) or whole seconds.
func Duration(getenv func(string) string, name string, def time.Duration) (time.Duration, error) {
	v := getenv(name)
	if v == "" {
		return def, nil
	}
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s=%q is not a duration such as 10s", name, v)
	}
	return d, nil
}
