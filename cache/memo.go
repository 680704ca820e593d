package cache

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/nxcred/nxcred/internal/atomicfile"
)

// FailedError is a fetch failure that another process met moments ago and
// remembered: the burst behind it fails fast with the same message instead
// of asking the endpoint again.
type FailedError struct {
	Msg, HintText string
	At            time.Time
}

func (e *FailedError) Error() string { return e.Msg }

// Hint tells the user what to do.
func (e *FailedError) Hint() string { return e.HintText }

// memoPath is where a slot remembers its last failed fetch.
func (s *Store) memoPath(name string) string { return filepath.Join(s.Dir, name+".failed") }

// hinter is an error with a hint (auth.FetchError and friends).
type hinter interface{ Hint() string }

// remember seals err for slot for the duration d. It is sealed with the
// slot's key like the token, so it binds to the secret that failed: after
// nxcred login stores a corrected secret the memo no longer opens, and the
// new secret is tried at once.
func (s *Store) remember(slot Slot, err error, d time.Duration) {
	hint := ""
	var h hinter
	if errors.As(err, &h) {
		hint = h.Hint()
	}
	now := s.now()
	t := Token{
		AccessToken: memoPayload(err.Error(), hint),
		TokenType:   "failure",
		FetchedAt:   now,
		Expiry:      now.Add(d),
	}
	data, serr := seal(memoMagic, t, slot)
	if serr == nil {
		serr = atomicfile.Write(s.memoPath(slot.Name), data)
	}
	if serr != nil {
		s.log().Debug("cannot remember the failure", "profile", slot.Name, "reason", serr.Error())
	}
}

// recall returns the remembered failure of slot if it is still current.
func (s *Store) recall(slot Slot) *FailedError {
	data, err := readSmall(s.memoPath(slot.Name))
	if err != nil {
		return nil
	}
	t, err := open(memoMagic, data, slot)
	now := s.now()
	if err != nil || t.FetchedAt.After(now) || !now.Before(t.Expiry) {
		return nil
	}
	msg, hint, ok := parseMemo(t.AccessToken)
	if !ok {
		return nil
	}
	return &FailedError{Msg: msg, HintText: hint, At: t.FetchedAt}
}

func (s *Store) forget(name string) {
	if err := os.Remove(s.memoPath(name)); err == nil {
		s.log().Debug("remembered failure cleared", "profile", name)
	}
}

func memoPayload(msg, hint string) string {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(msg)))
	b = append(b, msg...)
	return string(append(b, hint...))
}

func parseMemo(p string) (msg, hint string, ok bool) {
	if len(p) < 4 {
		return "", "", false
	}
	n := binary.BigEndian.Uint32([]byte(p[:4]))
	if uint64(n) > uint64(len(p)-4) {
		return "", "", false
	}
	return p[4 : 4+n], p[4+n:], true
}
