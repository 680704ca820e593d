package cache

import (
	"github.com/nxcred/nxcred/internal/token"

	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"os"
	"path/filepath"
	"time"

	"github.com/nxcred/nxcred/internal/atomicfile"
	"github.com/nxcred/nxcred/internal/hint"
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

// settingsDigest is the SHA-256 of Settings: a memo holds only the digest,
// never the settings themselves (a proxy URL may carry a password).
func (s *Store) settingsDigest() []byte {
	var set string
	if s.Settings != nil {
		set = s.Settings.RequestSettings()
	}
	sum := sha256.Sum256([]byte(set))
	return sum[:]
}

// remember seals err for slot for the duration d. It is sealed with the
// slot's key like the token, so it binds to the secret that failed: after
// nxcred login stores a corrected secret the memo no longer opens, and the
// new secret is tried at once. It also records the digest of the request's
// settings, so a call with other settings (a proxy or CA bundle fixed since)
// is not handed a failure, and a hint, that are no longer its own.
func (s *Store) remember(slot Slot, err error, d time.Duration) {
	now := s.now()
	t := token.Token{
		AccessToken: memoPayload(s.settingsDigest(), err.Error(), hint.Of(err)),
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

// recall returns the remembered failure of slot if it is still current and
// was met with the same settings.
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
	digest, msg, hint, ok := parseMemo(t.AccessToken)
	if !ok {
		return nil
	}
	if !bytes.Equal(digest, s.settingsDigest()) {
		s.log().Debug("remembered failure not replayed: the request settings changed since", "profile", slot.Name)
		return nil
	}
	return &FailedError{Msg: msg, HintText: hint, At: t.FetchedAt}
}

func (s *Store) forget(name string) {
	if err := os.Remove(s.memoPath(name)); err == nil {
		s.log().Debug("remembered failure cleared", "profile", name)
	}
}

// The memo payload is the settings digest (32 bytes), the message length
// (uint32) and message, then the hint.
func memoPayload(digest []byte, msg, hint string) string {
	b := append([]byte(nil), digest...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(msg)))
	b = append(b, msg...)
	return string(append(b, hint...))
}

func parseMemo(p string) (digest []byte, msg, hint string, ok bool) {
	if len(p) < sha256.Size+4 {
		return nil, "", "", false
	}
	digest, p = []byte(p[:sha256.Size]), p[sha256.Size:]
	n := binary.BigEndian.Uint32([]byte(p[:4]))
	if uint64(n) > uint64(len(p)-4) {
		return nil, "", "", false
	}
	return digest, p[4 : 4+n], p[4+n:], true
}
