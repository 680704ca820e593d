package oauth

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/nxcred/nxcred/internal/config"
	"github.com/nxcred/nxcred/internal/neterr"
	"github.com/nxcred/nxcred/internal/redact"
)

// Kind sorts token request failures.
type Kind int

// The kinds of FetchError.
const (
	KindSecretRejected Kind = iota + 1 // the endpoint rejected the client id or secret (invalid_client, or a bare 401)
	KindOAuthError                     // the endpoint answered another OAuth error (invalid_scope, unauthorized_client): the secret was not the problem
	KindHTTP                           // a status without an OAuth error
	KindBadResponse                    // a 2xx that is not a usable token
	KindDNS                            // the endpoint's host does not resolve
	KindTLS                            // certificate or handshake failure
	KindTimeout                        // the deadline passed
	KindNetwork                        // connection refused, reset, proxy failure
	KindCanceled                       // the caller stopped (Ctrl-C, SIGTERM)
)

// FetchError is a failed token request, said in terms of what the user
// controls, with a hint. Its text never contains the secret or a token.
type FetchError struct {
	Profile    *config.Profile
	Kind       Kind
	Status     int
	Code       string
	Msg        string
	HintText   string
	Retryable  bool
	RetryAfter time.Duration
	Err        error
}

func (e *FetchError) Error() string { return e.Msg }
func (e *FetchError) Unwrap() error { return e.Err }

// Hint tells the user what to do.
func (e *FetchError) Hint() string { return e.HintText }

// limits is the time a token request had, for timeout messages.
type limits struct {
	// timeout is NXCRED_TIMEOUT (or DefaultTimeout), or the setting name
	// names.
	timeout time.Duration
	name    string
	// budget is what was left of it when the request started.
	budget time.Duration
	// ctxErr is the request context's error after the attempt.
	ctxErr error
}

// within says how long the endpoint had: "within 8s (NXCRED_TIMEOUT)", or
// "within the 1.2s left of NXCRED_TIMEOUT (8s)" when most of it went before
// the request (waiting for another process's fetch). Setting up a request
// takes a little of it too, which is not worth a mention.
func (l limits) within() string {
	if l.budget >= l.timeout/2 {
		return fmt.Sprintf("within %s (%s)", l.timeout, l.name)
	}
	b := l.budget.Round(100 * time.Millisecond)
	if l.budget < time.Second {
		b = max(l.budget, 0).Round(time.Millisecond)
	}
	return fmt.Sprintf("within the %s left of %s (%s)", b, l.name, l.timeout)
}

// cutBy reports whether err is the context's own error target, also when
// x/oauth2 flattened it into text (it formats a failed body read with %v).
// A connection refused just before the deadline is still a refusal.
func cutBy(err, ctxErr, target error) bool {
	return errors.Is(err, target) || (errors.Is(ctxErr, target) && strings.Contains(err.Error(), target.Error()))
}

// classify turns a failed token request into a FetchError: the kind of
// failure, a message in terms of what the user controls, and a hint. The
// cases are tried in order: an OAuth or HTTP answer, an answer that is not
// a token, the caller's Ctrl-C, a redirect, a timeout, a proxy, DNS, TLS,
// and anything else as the network.
func classify(p *config.Profile, secret string, err error, rec *recorder, lim limits) error {
	host := p.EndpointHost()
	fe := &FetchError{Profile: p, Err: err, Status: rec.status}
	var re *oauth2.RetrieveError
	var dnsErr *net.DNSError
	var netErr net.Error
	isProxy, proxyRetryable := proxyFailure(err)
	proxy := proxyFor(rec.base, p.Endpoint())
	if isProxy && proxy == "" {
		proxy = "the proxy"
	}
	switch {
	case errors.As(err, &re):
		fe.Code = re.ErrorCode
		if re.Response != nil {
			fe.Status = re.Response.StatusCode
		}
		classifyHTTP(fe, p, host, re, secret)
	case strings.Contains(err.Error(), "server response missing access_token"),
		strings.Contains(err.Error(), "cannot parse json"):
		classifyBadResponse(fe, p, host, err, rec, secret)
	case cutBy(err, lim.ctxErr, context.Canceled):
		fe.Kind = KindCanceled
		fe.Msg = fmt.Sprintf("token request to %s interrupted", host)
		fe.HintText = ""
	case errors.Is(err, ErrRedirect):
		fe.Kind = KindHTTP
		fe.Msg = fmt.Sprintf("token endpoint %s answered with a redirect (%s); nxcred does not follow redirects with credentials", host, redirectTarget(err))
		fe.HintText = "set the final address with --token-url, or check the instance and region"
	case cutBy(err, lim.ctxErr, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()):
		classifyTimeout(fe, p, host, rec, lim)
	case isProxy:
		fe.Kind = KindNetwork
		fe.Retryable = proxyRetryable
		fe.Msg = fmt.Sprintf("cannot reach token endpoint %s through %s: %s", host, proxy, ProxyReason(err))
		fe.HintText = "check the proxy settings (HTTPS_PROXY, NO_PROXY)"
	case errors.As(err, &dnsErr):
		classifyDNS(fe, p, dnsErr)
	case isTLSFailure(err):
		fe.Kind = KindTLS
		fe.Msg = fmt.Sprintf("TLS failure talking to %s: %s", host, tlsReason(err))
		fe.HintText = "if a proxy or firewall inspects TLS, point SSL_CERT_FILE at a bundle that includes its CA"
	default:
		fe.Kind = KindNetwork
		fe.Retryable = true
		fe.Msg = fmt.Sprintf("cannot reach token endpoint %s: %s", host, printable(netReason(err)))
		if proxy != "" {
			// Not a failure to reach the proxy: net's words name the
			// endpoint, or quote the proxy's answer to CONNECT.
			fe.Msg = fmt.Sprintf("cannot reach token endpoint %s through %s: %s", host, proxy, printable(netReason(err)))
		}
		fe.HintText = "check the network and proxy settings (HTTPS_PROXY, NO_PROXY)"
	}
	// The second line: the message is built never to hold the secret.
	fe.Msg = redact.Clean(fe.Msg, secret)
	return fe
}

// classifyBadResponse is an answer that is not a token: JSON without one,
// or a page from a proxy or captive portal.
func classifyBadResponse(fe *FetchError, p *config.Profile, host string, err error, rec *recorder, secret string) {
	fe.Kind = KindBadResponse
	ct := rec.contentType
	if ct == "" {
		ct = "no content type"
	}
	switch {
	case strings.Contains(ct, "json") && strings.Contains(err.Error(), "cannot parse json"):
		// Never quote a JSON body: it may hold a working access token
		// next to the field that did not parse.
		fe.Msg = fmt.Sprintf("token endpoint %s returned JSON that is not a token response nxcred can read (%s)", host, jsonReason(err))
	case strings.Contains(ct, "json"), strings.Contains(ct, "x-www-form-urlencoded"):
		fe.Msg = fmt.Sprintf("token endpoint %s returned no access_token", host)
	default:
		fe.Msg = fmt.Sprintf("token endpoint %s answered %d with %s, not a token: %s", host, rec.status, fromServer(ct, secret), excerpt(rec.head.Bytes(), secret))
	}
	fe.HintText = "check the token URL (" + p.Endpoint() + "); a proxy or captive portal may be answering instead of Nexthink"
}

// classifyTimeout is a request that ran out of time, before the answer or
// in the middle of its body.
func classifyTimeout(fe *FetchError, p *config.Profile, host string, rec *recorder, lim limits) {
	fe.Kind = KindTimeout
	if rec.status != 0 {
		// The status line came, the rest of the answer did not.
		fe.Msg = fmt.Sprintf("token endpoint %s did not finish answering %s for %s (it answered %d, then the body stalled)", host, lim.within(), p.Label(), rec.status)
		fe.HintText = fmt.Sprintf("the endpoint or a proxy on the way is slow: retry, or raise %s (now %s)", lim.name, lim.timeout)
		return
	}
	fe.Msg = fmt.Sprintf("token endpoint %s did not answer %s for %s", host, lim.within(), p.Label())
	fe.HintText = fmt.Sprintf("check the network and proxy settings (HTTPS_PROXY, NO_PROXY), or raise %s (now %s)", lim.name, lim.timeout)
}

// classifyDNS is a host that does not resolve; a name that does not exist
// points at the profile's settings.
func classifyDNS(fe *FetchError, p *config.Profile, dnsErr *net.DNSError) {
	fe.Kind = KindDNS
	fe.Msg = fmt.Sprintf("cannot resolve %s: %s", dnsErr.Name, dnsReason(dnsErr))
	fe.Retryable = dnsErr.IsTemporary || dnsErr.IsTimeout
	fe.HintText = "check the network"
	switch {
	case dnsErr.IsNotFound && p.TokenURL != "":
		fe.HintText = "check the token URL of " + p.Label() + " (" + p.TokenURL + ")"
	case dnsErr.IsNotFound && p.Instance != "":
		fe.HintText = fmt.Sprintf("check the instance (%s) and region (%s) of %s: they come from your Nexthink address https://<instance>.<region>.nexthink.cloud", p.Instance, p.Region, p.Label())
	}
}

// isTLSFailure reports whether err is a certificate or TLS handshake failure.
func isTLSFailure(err error) bool {
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalidCert x509.CertificateInvalidError
	var recordErr tls.RecordHeaderError
	return errors.As(err, &certErr) || errors.As(err, &unknownAuth) || errors.As(err, &hostErr) ||
		errors.As(err, &invalidCert) || errors.As(err, &recordErr)
}

func classifyHTTP(fe *FetchError, p *config.Profile, host string, re *oauth2.RetrieveError, secret string) {
	body := excerpt(re.Body, secret)
	desc := errorCode(re.ErrorCode, secret)
	if re.ErrorDescription != "" {
		desc += ": " + truncate(fromServer(re.ErrorDescription, secret), excerptLen)
	}
	switch {
	case re.ErrorCode == "invalid_client" || (re.ErrorCode == "" && fe.Status == 401):
		fe.Kind = KindSecretRejected
		if desc == "" {
			desc = "401 Unauthorized"
		}
		fe.Msg = fmt.Sprintf("nexthink rejected the client id or secret of %s (%s)", p.Label(), desc)
		fe.HintText = p.LoginHint()
	case fe.Status == 429:
		fe.Kind = KindHTTP
		fe.Retryable = true
		fe.RetryAfter = retryAfter(re.Response.Header.Get("Retry-After"))
		fe.Msg = fmt.Sprintf("token endpoint %s is rate limiting requests (429)", host)
		fe.HintText = "wait a little; nxcred caches tokens, so this means many different profiles or callers share the credential"
	case fe.Status >= 500:
		fe.Kind = KindHTTP
		fe.Retryable = true
		fe.Msg = fmt.Sprintf("token endpoint %s answered %s: %s", host, statusText(fe.Status), body)
		fe.HintText = "Nexthink's login service is failing; retry later"
	case re.ErrorCode == "invalid_scope":
		fe.Kind = KindOAuthError
		fe.Msg = fmt.Sprintf("nexthink refused scope %q for %s (%s)", p.EffectiveScope(), p.Label(), desc)
		fe.HintText = "Nexthink API credentials use the scope " + config.DefaultScope + "; check --scope"
	case re.ErrorCode != "":
		fe.Kind = KindOAuthError
		fe.Msg = fmt.Sprintf("token endpoint %s refused the request for %s (%s)", host, p.Label(), desc)
		fe.HintText = "check the credential in Nexthink (Administration > API credentials) and the profile (nxcred status)"
	default:
		fe.Kind = KindHTTP
		fe.Msg = fmt.Sprintf("token endpoint %s answered %s: %s", host, statusText(fe.Status), body)
		fe.HintText = "check the token URL (" + p.Endpoint() + ")"
	}
}

func statusText(code int) string {
	return strconv.Itoa(code) + " " + http.StatusText(code)
}

// retryAfter reads delay-seconds or an HTTP date; 0 if absent or past.
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
		return time.Duration(min(n, 3600)) * time.Second
	}
	if t, err := time.Parse(time.RFC1123, v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

func dnsReason(e *net.DNSError) string {
	if e.IsNotFound {
		return "no such host"
	}
	return e.Err
}

func tlsReason(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}

func netReason(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Op + ": " + neterr.Syscall(oe.Err)
	}
	return err.Error()
}

func redirectTarget(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ErrRedirect.Error()+" to "); i >= 0 {
		return strings.TrimSuffix(s[i+len(ErrRedirect.Error())+4:], `"`)
	}
	return "elsewhere"
}

// jsonReason is x/oauth2's parse error without anything it quoted.
func jsonReason(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "cannot parse json: "); i >= 0 {
		msg = msg[i+len("cannot parse json: "):]
	}
	if i := strings.IndexAny(msg, "\n"); i >= 0 {
		msg = msg[:i]
	}
	return truncate(printable(msg), 120)
}
