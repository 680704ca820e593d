package config

import (
	"runtime"
	"slices"
	"strings"
)

// LoginCommand is the nxcred login command that stores a new secret for p
// and gives it exactly its current settings: every hint that tells the user
// to run login is built here, so that running it never changes the profile.
// Values are quoted for the user's shell where they need it.
func (p *Profile) LoginCommand() string {
	return p.loginCommand(runtime.GOOS)
}

func (p *Profile) loginCommand(goos string) string {
	args := []string{"nxcred", "login"}
	add := func(flag, v string) { args = append(args, flag, shellQuote(v, goos)) }
	// "default" is login's own default for --profile.
	if p.Name != "default" {
		add("--profile", p.Name)
	}
	if p.Instance != "" {
		add("--instance", p.Instance)
	}
	if p.Region != "" {
		add("--region", p.Region)
	}
	add("--client-id", p.ClientID)
	if p.Scope != "" && p.Scope != DefaultScope {
		add("--scope", p.Scope)
	}
	if p.TokenURL != "" {
		add("--token-url", p.TokenURL)
	}
	for _, h := range p.Hosts {
		add("--host", h)
	}
	// Without it, login would store the secret in the OS default keyring
	// and the profile would forget where it had it.
	if p.Keyring != "" && p.Keyring != DefaultKeyring(goos) {
		add("--keyring", p.Keyring)
	}
	return strings.Join(args, " ")
}

// ShellQuote returns s as one word of the user's shell, quoted only when it
// needs it, as LoginCommand writes its values.
func ShellQuote(s string) string { return shellQuote(s, runtime.GOOS) }

// shellQuote returns s as one word of a POSIX shell, or of PowerShell on
// Windows: as it is when it holds only characters no shell treats
// specially, else in single quotes (which neither shell expands inside),
// with an embedded quote written the way that shell reads it back.
func shellQuote(s, goos string) string {
	plain := s != ""
	for i := 0; plain && i < len(s); i++ {
		c := s[i]
		plain = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_-./:=+%", c) >= 0
	}
	if plain {
		return s
	}
	if goos == "windows" {
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// LoginCommandWithHost is LoginCommand with host added to p's extra hosts:
// the command a hint gives so that host may receive p's tokens.
func (p *Profile) LoginCommandWithHost(host string) string {
	q := *p
	q.Hosts = append(slices.Clip(p.Hosts), host)
	return q.LoginCommand()
}
