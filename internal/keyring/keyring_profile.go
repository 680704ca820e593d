package keyring

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strings"

	"github.com/99designs/keyring"
	"github.com/nxcred/nxcred/internal/config"
)

// EnvKeyringBackend is the variable that overrides, for one call, the
// keyring a profile records.
const EnvKeyringBackend = "NXCRED_KEYRING_BACKEND"

// ValidateBackend checks a keyring backend name.
func ValidateBackend(b string) error { return config.ValidateKeyring(b) }

// BackendFor says which keyring a call looks in for p's secret, and why:
// env (NXCRED_KEYRING_BACKEND) when set, else the backend p records, else
// "" for the OS default (New then says so). p may be nil.
func BackendFor(p *config.Profile, env string) (backend, reason string) {
	switch {
	case env != "":
		return env, EnvKeyringBackend
	case p != nil && p.Keyring != "":
		return p.Keyring, "recorded in profile " + p.Name
	}
	return "", ""
}

// LooksElsewhere reports whether k, chosen for this call, is not the keyring
// p's secret was stored in: NXCRED_KEYRING_BACKEND names another one.
func LooksElsewhere(p *config.Profile, k *Keyring) bool {
	return p != nil && p.Keyring != "" && k.Reason == EnvKeyringBackend && k.Backend != p.Keyring
}

// FilePasswordHint is the way to give the file keyring its password where
// nxcred cannot or may not ask for it. Every such message uses it.
func FilePasswordHint() string {
	return "set NXCRED_KEYRING_PASSWORD, or run the program that calls nxcred under nxcred exec --serve, which asks for the password once for everything it runs"
}

// ItemKey is the name of p's secret in the keyring:
// nxcred/<profile>@<digest>, the digest being 12 hex digits of the SHA-256
// of the token URL and client id. Keyrings are shared more widely than
// config files (keyctl's user keyring by every HOME of the user, a pass
// store or a Secret Service by every config of the desktop user), so two
// configurations with a profile of the same name must not share an item;
// a secret belongs to exactly one token URL and client id.
func ItemKey(p *config.Profile) string {
	sum := sha256.Sum256([]byte(p.Endpoint() + "\x00" + p.ClientID))
	return ServiceName + "/" + p.Name + "@" + hex.EncodeToString(sum[:6])
}

// ItemLabel is what a keyring viewer shows for p's item, where the backend
// keeps a label apart from the key (the macOS Keychain).
func ItemLabel(p *config.Profile) string {
	where := p.Instance + "/" + p.Region
	if p.Instance == "" {
		where = p.Endpoint()
		if u, err := url.Parse(where); err == nil && u.Host != "" {
			where = u.Host
		}
	}
	return fmt.Sprintf("nxcred: Nexthink client secret of profile %s (%s)", p.Name, where)
}

// Check opens the backend, bounded by the keyring timeout, and says why it
// cannot be used. Login calls it before asking for the secret.
func (k *Keyring) Check() error {
	_, err := k.do("open", func(keyring.Keyring) (string, error) { return "", nil })
	return err
}

// GetFor returns p's client secret, or ErrNoSecret. A secret stored by an
// older nxcred under the old name (nxcred/<profile>) is moved to ItemKey:
// written under the new name, then removed under the old one, so a crash
// at any point leaves a secret that the next call finds.
func (k *Keyring) GetFor(p *config.Profile) (string, error) {
	return k.do("read", func(r keyring.Keyring) (string, error) {
		key := ItemKey(p)
		s, err := k.get(r, key)
		if !errors.Is(err, keyring.ErrKeyNotFound) {
			return s, err
		}
		old := itemKey(p.Name)
		if s, err = k.get(r, old); err != nil {
			return "", err
		}
		// The secret is in hand: a failed move only postpones the move.
		if k.set(r, key, ItemLabel(p), s) == nil {
			k.remove(r, old)
		}
		return s, nil
	})
}

// SetFor stores p's client secret under ItemKey(p).
func (k *Keyring) SetFor(p *config.Profile, secret string) error {
	_, err := k.do("write", func(r keyring.Keyring) (string, error) {
		return "", k.set(r, ItemKey(p), ItemLabel(p), secret)
	})
	return err
}

// RemoveFor removes p's secret and returns the items it removed: its item,
// and the item an older nxcred named nxcred/<profile>. A profile known by
// name only (gone from the config: no token URL or client id) loses every
// item of that name the backend can list. A missing item is not an error.
func (k *Keyring) RemoveFor(p *config.Profile) (removed []string, err error) {
	// The list comes back through do's result, never through a variable
	// an abandoned op could still write to.
	list, err := k.do("delete", func(r keyring.Keyring) (string, error) {
		var removed []string
		keys := []string{itemKey(p.Name)}
		if p.ClientID != "" {
			keys = append([]string{ItemKey(p)}, keys...)
		} else if all, err := r.Keys(); err == nil {
			prefix := itemKey(p.Name) + "@"
			for _, key := range all {
				if strings.HasPrefix(key, prefix) {
					keys = append(keys, key)
				}
			}
		}
		for _, key := range keys {
			err := k.remove(r, key)
			if errors.Is(err, keyring.ErrKeyNotFound) || errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return "", err
			}
			removed = append(removed, key)
		}
		return strings.Join(removed, "\n"), nil
	})
	if err != nil || list == "" {
		return nil, err
	}
	return strings.Split(list, "\n"), nil
}
