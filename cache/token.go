// Package cache keeps Nexthink tokens in small encrypted files, one per
// profile, and decides when a cached token is still good to hand out.
//
// It knows files, locks and the refresh policy; it knows nothing of the
// keyring or of Nexthink. Callers pass the key (derived from the client
// secret with DeriveKey) and a function that fetches a new token.
package cache

import "time"

// Margin is how long before its expiry a token stops being served from the
// cache. The protocols that carry an expiry report Expiry minus Margin,
// because client-go, Bazel and git use a credential until the very instant
// they were told (PROTOCOLS.md §10.1).
const Margin = 60 * time.Second

// Token is one access token and the times that decide its use.
type Token struct {
	AccessToken string
	TokenType   string
	// Expiry is when the token stops working: request start + expires_in,
	// capped by the JWT exp claim when there is one.
	Expiry time.Time
	// FetchedAt is when the token request started.
	FetchedAt time.Time
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

// ReportedExpiry is the expiry to tell clients: Expiry minus Margin.
func (t Token) ReportedExpiry() time.Time {
	return t.Expiry.Add(-Margin)
}
