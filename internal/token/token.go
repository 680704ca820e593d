// Package token is the leaf of nxcred: an access token, what it belongs to,
// and the rules that decide how long it may be handed out. Every other
// package depends on it; it depends on nothing of nxcred.
package token

import "time"

// Margin is how long before its expiry a token stops being served from the
// cache. The protocols that carry an expiry report Expiry minus Margin (see
// ReportedExpiry), because client-go, Bazel and git use a credential until
// the very instant they were told.
const Margin = 60 * time.Second

// RefreshWindow is how long after a forced refresh (a client refused the
// token, or the user passed --refresh) a further forced refresh serves the
// token that one fetched instead of asking again: at most one forced
// refresh per profile in a window, whatever the protocol. The first forced
// refresh after an ordinary fetch always asks: the token may have been
// refused for a reason a new one fixes (revoked, a permission just
// granted). Clients
// that are refused retry within seconds: client-go re-runs its plugin at
// once, the go command runs GOAUTH for each request of one command, git
// erases then gets on its next run. A token issued moments ago that a server
// refuses is refused for a reason a new token of the same credential will
// not fix (its permissions, another audience), so asking again only spends
// requests (one go mod download made 42 of them). Half a minute covers such
// a burst, is what a user who has just fixed a permission waits at most, and
// is a thirtieth of the 15-minute life of a Nexthink token.
const RefreshWindow = 30 * time.Second

// Token is one access token and the times that decide its use.
type Token struct {
	AccessToken string
	TokenType   string
	// Expiry is when the token stops working: request start + expires_in,
	// capped by the JWT exp claim when there is one.
	Expiry time.Time
	// FetchedAt is when the token request started.
	FetchedAt time.Time
	// Forced says the token was fetched by a forced refresh (Need.Refresh,
	// or a token a client refused), which starts a RefreshWindow.
	Forced bool
}

// Fresh reports whether t may be served from the cache at now: more than
// Margin of its life left, and fetched in the past. A fetch time in the
// future means the clock moved backwards since; the remaining life cannot be
// trusted, so the token is treated as a miss.
func (t Token) Fresh(now time.Time) bool {
	return t.AccessToken != "" && !t.FetchedAt.After(now) && t.Expiry.Sub(now) > Margin
}

// Usable reports whether t has not expired yet at now (it may be inside its
// last minute). Only used to ride out a failed refresh.
func (t Token) Usable(now time.Time) bool {
	return t.AccessToken != "" && !t.FetchedAt.After(now) && now.Before(t.Expiry)
}

// Cacheable reports whether t lives long enough to be worth writing: a token
// with no more than Margin of life would never be served from the file.
func (t Token) Cacheable() bool {
	return t.Expiry.Sub(t.FetchedAt) > Margin
}

// Recent reports whether t is Fresh at now and was fetched less than
// RefreshWindow ago.
func (t Token) Recent(now time.Time) bool {
	return t.Fresh(now) && now.Sub(t.FetchedAt) < RefreshWindow
}

// ReportedExpiry is the expiry to tell a client that is handed t at now:
// Expiry minus Margin, so that the client comes back for a new token while
// this one still works. A token inside its last minute (served because a
// refresh failed) reports its real Expiry instead: Expiry minus Margin would
// be in the past, and git 2.40+ throws away a credential whose expiry has
// passed, client-go asks again at once, and json would say "expires_in":0.
// So for a token that is still valid the answer is always after now.
func (t Token) ReportedExpiry(now time.Time) time.Time {
	if r := t.Expiry.Add(-Margin); r.After(now) {
		return r
	}
	return t.Expiry
}
