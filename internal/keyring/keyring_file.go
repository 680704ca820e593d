package keyring

import (
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	"github.com/99designs/keyring"
	jose "github.com/dvsekhvalnov/jose2go"
	"github.com/mtibben/percent"

	"github.com/nxcred/nxcred/internal/atomicfile"
)

// fileRing is the keyring library's file backend with a Set that replaces
// an item atomically. The library writes with os.WriteFile, which truncates
// the item before writing it: a process killed in between leaves an empty
// item (the secret is lost), and a reader in between reads an empty or torn
// one. Get, Keys and Remove stay the library's, so the format must stay
// exactly what it reads: one file per item, named by percent-encoding the key
// ("nxcred/prod" is nxcred%2Fprod), holding the item's JSON as a compact JWE
// (PBES2-HS256+A128KW, A256GCM) under the keyring password.
type fileRing struct {
	keyring.Keyring
	dir      string
	password func(string) (string, error)
}

// fileTempAge is how old a temp file left by a killed Set must be before a
// later Set removes it: far longer than any Set takes.
const fileTempAge = time.Minute

// Set writes the item to a hidden temp file beside it, syncs it and renames
// it over the old one, so that the folder holds the old item or the new one
// whatever happens, and readers see one or the other.
func (f *fileRing) Set(it keyring.Item) error {
	payload, err := json.Marshal(it)
	if err != nil {
		return err
	}
	pw, err := f.password("nxcred file keyring password: ")
	if err != nil {
		return err
	}
	token, err := jose.Encrypt(string(payload), jose.PBES2_HS256_A128KW, jose.A256GCM, pw,
		jose.Headers(map[string]any{"created": time.Now().String()}))
	if err != nil {
		return err
	}
	dir, err := keyring.ExpandTilde(f.dir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	// The same escape as the library's, so its Get finds the item. Temp
	// files are hidden (a leading dot): an item's name never starts with
	// one, so a temp file is never taken for an item, nor an item for a
	// temp file, whatever the profile is called.
	path := filepath.Join(dir, percent.Encode(it.Key, "/"))
	atomicfile.SweepHidden(path, fileTempAge)
	return atomicfile.WriteHidden(path, []byte(token))
}

// Remove removes the item and every temp file a killed Set left beside it:
// each is a whole encrypted copy of the secret, and logout must leave none.
func (f *fileRing) Remove(key string) error {
	err := f.Keyring.Remove(key)
	if dir, derr := keyring.ExpandTilde(f.dir); derr == nil {
		for _, p := range atomicfile.HiddenTempFiles(filepath.Join(dir, percent.Encode(key, "/"))) {
			if rerr := os.Remove(p); rerr != nil && !os.IsNotExist(rerr) && err == nil {
				err = rerr
			}
		}
	}
	return err
}
