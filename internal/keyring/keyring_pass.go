package keyring

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/99designs/keyring"
)

// passStoreDir is the folder the pass backend uses: PASSWORD_STORE_DIR as
// nxcred was given it, else pass's own default.
func (k *Keyring) passStoreDir() (string, error) {
	dir := k.opts.PassDir
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(home, ".password-store")
	}
	return keyring.ExpandTilde(dir)
}

// checkPassInit fails with the way out when pass has no GnuPG key to
// encrypt the item key to. pass looks for a .gpg-id in the item's folder
// and each one above it up to the store, unless PASSWORD_STORE_KEY names the
// keys (pass reads it from the environment nxcred passes on); with neither,
// pass insert prints "You must run: pass init your-gpg-id" on its own
// and nxcred would only see "exit status 1".
func (k *Keyring) checkPassInit(key string) error {
	if os.Getenv("PASSWORD_STORE_KEY") != "" {
		return nil
	}
	dir, err := k.passStoreDir()
	if err != nil {
		return err
	}
	for rel := filepath.Join(ServiceName, key); ; rel = filepath.Dir(rel) {
		if fi, err := os.Stat(filepath.Join(dir, rel, ".gpg-id")); err == nil && fi.Mode().IsRegular() {
			return nil
		}
		if rel == "." {
			break
		}
	}
	return &Error{
		Msg:      fmt.Sprintf("the pass store %s is not initialized: it has no .gpg-id naming the GnuPG key to encrypt the secret to", dir),
		HintText: "run pass init <gpg-id> with the id of your GnuPG key (gpg --list-secret-keys lists them), or choose another NXCRED_KEYRING_BACKEND",
	}
}
