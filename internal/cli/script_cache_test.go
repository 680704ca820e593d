package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/nxcred/nxcred/internal/atomicfile"
	"github.com/nxcred/nxcred/internal/cache"
	"github.com/nxcred/nxcred/internal/config"
)

func init() { scriptCommands["cachetoken"] = cmdCacheToken }

// cmdCacheToken rewrites the times of the environment profile's cached token
// (which must exist, possibly marked refused), as if it had been fetched AGE
// ago and expired LEFT from now, so that a script can stand at any point of a
// token's life without waiting for it:
//
//	cachetoken AGE LEFT     e.g. cachetoken 5m 30s: fetched 5 minutes ago, 30 s to live
//
// The token itself is kept: it is still one the endpoint issued.
func cmdCacheToken(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: cachetoken AGE LEFT")
	}
	age, err := time.ParseDuration(args[0])
	ts.Check(err)
	left, err := time.ParseDuration(args[1])
	ts.Check(err)
	ts.Check(retimeCachedToken(ts.Getenv, filepath.Join(ts.Getenv("XDG_CACHE_HOME"), "nxcred"), age, left))
}

// retimeCachedToken rewrites the environment profile's cached token (or
// refused token) in cacheDir as fetched age ago, expiring left from now.
func retimeCachedToken(getenv func(string) string, cacheDir string, age, left time.Duration) error {
	p, secret, err := config.EnvProfile(getenv)
	if err != nil {
		return err
	}
	if p == nil {
		return errors.New("no environment profile")
	}
	id := p.Identity()
	slot := cache.Slot{Name: p.SlotName(), ID: id, Key: cache.DeriveKey(secret, id)}
	for _, path := range []string{filepath.Join(cacheDir, slot.Name+".token"), filepath.Join(cacheDir, slot.Name+".refused")} {
		data, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		tok, err := cache.Open(data, slot)
		if err != nil {
			return err
		}
		now := time.Now()
		tok.FetchedAt, tok.Expiry = now.Add(-age), now.Add(left)
		if !tok.Cacheable() {
			return fmt.Errorf("a token that lives %s would not be cached", age+left)
		}
		if data, err = cache.Seal(tok, slot); err != nil {
			return err
		}
		// Replaced whole, as nxcred does: a process reading it at that
		// moment (TestWindowsCacheReplacedWhileRead) sees the old file or
		// the new one, and Windows' transient errors are retried.
		return atomicfile.Write(path, data)
	}
	return fmt.Errorf("no cached token for %s", slot.Name)
}
