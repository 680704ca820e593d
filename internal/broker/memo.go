package broker

import (
	"context"
	"sync"
	"time"

	"github.com/nxcred/nxcred/internal/token"
)

// Memo serves one request's token from memory to a long-lived process
// (nxcred serve), going through Get only when the token it holds no longer
// satisfies a caller: then every caller waits for that one Get, so a burst
// of requests on a cold start makes one token request.
type Memo struct {
	b   *Broker
	req Request

	mu  sync.Mutex
	tok token.Token
}

// Memo returns a Memo of the token r asks for.
func (b *Broker) Memo(r Request) *Memo { return &Memo{b: b, req: r} }

// Token returns a token with more than token.Margin and minValid of its life
// left; fresh asks for a newer one than held (the API refused it).
func (m *Memo) Token(ctx context.Context, fresh bool, minValid time.Duration) (token.Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.b.Now()
	if !fresh && m.tok.Fresh(now) && m.tok.Expiry.Sub(now) >= minValid {
		return m.tok, nil
	}
	r := m.req
	r.Fresh, r.MinValid = fresh, minValid
	res, err := m.b.Get(ctx, r)
	if err != nil {
		return token.Token{}, err
	}
	m.tok = res.Token
	return res.Token, nil
}
