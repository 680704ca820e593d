package cache

import (
	"github.com/nxcred/nxcred/internal/token"

	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// The file is magic + AES-256-GCM(nonce || ciphertext || tag) of the payload,
// with magic, slot name and identity as additional data. The payload is binary and
// versioned by the magic:
//
//	expiry     int64  Unix nanoseconds
//	fetched at int64  Unix nanoseconds
//	flags      uint8  bit 0: fetched by a forced refresh (NXC2 on)
//	type len   uint8, then the token type
//	token len  uint32, then the access token
var magic = []byte("NXC2")

// magicV1 is the format before the flags byte; such files still open, so an
// upgrade keeps the cached tokens.
var magicV1 = []byte("NXC1")

// memoMagic starts a remembered-failure file (memo.go). Its own magic, in
// the additional data too, keeps a memo renamed to a token file from ever
// opening as a token. NXF2 added the settings digest; an NXF1 memo (at most
// seconds old when nxcred is upgraded) does not open, which is a miss.
var memoMagic = []byte("NXF2")

// MaxFileSize bounds what Open reads; a token file is a few KiB at most.
const MaxFileSize = 64 << 10

var errFormat = errors.New("not a token cache file of this version")

func aead(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCMWithRandomNonce(block)
}

func additionalData(magic []byte, s Slot) []byte {
	ad := append([]byte(nil), magic...)
	ad = append(ad, s.Name...)
	ad = append(ad, '\n')
	return append(ad, s.ID.String()...)
}

// Seal encrypts t for slot s.
func Seal(t token.Token, s Slot) ([]byte, error) { return seal(magic, t, s) }

// Open decrypts a file written by Seal. Any file that is truncated, garbage,
// of another version, another slot, identity or key is an error; callers
// treat every error as a miss.
func Open(data []byte, s Slot) (token.Token, error) {
	if bytes.HasPrefix(data, magicV1) {
		return open(magicV1, data, s)
	}
	return open(magic, data, s)
}

// encodable bounds the times the format stores (int64 Unix nanoseconds).
func encodable(t time.Time) bool { return t.Year() >= 1700 && t.Year() < 2200 }

func seal(m []byte, t token.Token, s Slot) ([]byte, error) {
	if t.AccessToken == "" || len(t.TokenType) > 255 || len(t.AccessToken) > MaxFileSize/2 {
		return nil, errors.New("token empty or too large to cache")
	}
	if !encodable(t.Expiry) || !encodable(t.FetchedAt) {
		return nil, errors.New("token times out of range to cache")
	}
	a, err := aead(s.Key)
	if err != nil {
		return nil, err
	}
	p := make([]byte, 0, 22+len(t.TokenType)+len(t.AccessToken))
	p = binary.BigEndian.AppendUint64(p, uint64(t.Expiry.UnixNano()))
	p = binary.BigEndian.AppendUint64(p, uint64(t.FetchedAt.UnixNano()))
	if bytes.Equal(m, magic) {
		var flags byte
		if t.Forced {
			flags |= flagForced
		}
		p = append(p, flags)
	}
	p = append(p, byte(len(t.TokenType)))
	p = append(p, t.TokenType...)
	p = binary.BigEndian.AppendUint32(p, uint32(len(t.AccessToken)))
	p = append(p, t.AccessToken...)
	out := append([]byte(nil), m...)
	return a.Seal(out, nil, p, additionalData(m, s)), nil
}

func open(m, data []byte, s Slot) (token.Token, error) {
	if len(data) > MaxFileSize || !bytes.HasPrefix(data, m) {
		return token.Token{}, errFormat
	}
	a, err := aead(s.Key)
	if err != nil {
		return token.Token{}, err
	}
	p, err := a.Open(nil, nil, data[len(m):], additionalData(m, s))
	if err != nil {
		return token.Token{}, fmt.Errorf("token cache file does not open: %w", err)
	}
	return decodePayload(p, bytes.Equal(m, magic))
}

// flagForced marks a token fetched by a forced refresh (token.Token.Forced).
const flagForced = 1

func decodePayload(p []byte, hasFlags bool) (token.Token, error) {
	if len(p) < 17 {
		return token.Token{}, errFormat
	}
	var t token.Token
	t.Expiry = time.Unix(0, int64(binary.BigEndian.Uint64(p[0:8])))
	t.FetchedAt = time.Unix(0, int64(binary.BigEndian.Uint64(p[8:16])))
	p = p[16:]
	if hasFlags {
		if p[0]&^flagForced != 0 {
			return token.Token{}, errFormat
		}
		t.Forced = p[0]&flagForced != 0
		p = p[1:]
		if len(p) < 1 {
			return token.Token{}, errFormat
		}
	}
	n := int(p[0])
	p = p[1:]
	if len(p) < n+4 {
		return token.Token{}, errFormat
	}
	t.TokenType = string(p[:n])
	p = p[n:]
	m := binary.BigEndian.Uint32(p[:4])
	p = p[4:]
	if uint64(len(p)) != uint64(m) || m == 0 {
		return token.Token{}, errFormat
	}
	t.AccessToken = string(p)
	// What Seal would refuse is not a token of ours, whatever decrypted.
	if !encodable(t.Expiry) || !encodable(t.FetchedAt) {
		return token.Token{}, errFormat
	}
	return t, nil
}
