package doctor

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/nxcred/nxcred/internal/config"
)

// checkConfig reads the config file with the loader every command uses, in
// its form that repairs nothing, and reports its error and hint or its
// warnings.
func (d *run) checkConfig() (*config.Config, bool) {
	path := d.s.ConfigPath
	cfg, err := config.Read(path)
	switch {
	case err != nil:
		return nil, d.report(failedWith("config", "", err))
	case len(cfg.Warnings) > 0:
		// The only warning is a file others may read.
		return cfg, d.report(warned("config", strings.Join(cfg.Warnings, "; "), "chmod 600 "+path))
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return cfg, d.report(passed("config", "no config file at "+path))
	}
	return cfg, d.report(passed("config", fmt.Sprintf("%s: %d profile(s)", path, len(cfg.Profiles))))
}

// checkProfile chooses the profile as every command does, and says why it
// was chosen.
func (d *run) checkProfile(cfg *config.Config) *config.Profile {
	if err := d.s.EnvErr; err != nil {
		fix := hintOf(err)
		if fix == "" {
			fix = "set NXCRED_CLIENT_ID and NXCRED_CLIENT_SECRET with NXCRED_INSTANCE and NXCRED_REGION (or NXCRED_TOKEN_URL), or unset them all"
		}
		d.report(failed("profile", err.Error(), fix))
		return nil
	}
	ch := config.Choice{Flag: d.s.ProfileFlag, Env: d.s.Getenv("NXCRED_PROFILE")}
	p, err := config.Resolve(cfg, d.s.EnvProfile, ch)
	if err != nil {
		d.report(failedWith("profile", "", err))
		return nil
	}
	var why string
	switch {
	case ch.Flag != "":
		why = "chosen with --profile"
	case ch.Env != "":
		why = "chosen with NXCRED_PROFILE"
	case p.FromEnv:
		why = "the environment profile, from NXCRED_CLIENT_ID and NXCRED_CLIENT_SECRET"
	case cfg.Default == p.Name:
		why = "the default profile"
	default:
		why = "the only profile"
	}
	d.report(passed("profile", fmt.Sprintf("%s (%s); token URL %s", p.Name, why, p.Endpoint())))
	return p
}

// checkCache says what the cache holds for p, as nxcred status does,
// without creating or repairing anything: the cache makes its folder and
// files private itself when it writes.
func (d *run) checkCache(p *config.Profile, secret string) {
	dir := d.s.CacheDir
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		d.report(passed("cache", dir+" does not exist yet; nxcred creates it with the first token"))
	case err != nil:
		d.report(failed("cache", err.Error(), "make the folder and its parents accessible to you: ls -ld "+dir))
	case !fi.IsDir():
		d.report(failed("cache", dir+" is not a folder, so every call that needs a new token fails", "rm "+dir+" (nxcred creates the folder)"))
	default:
		d.report(passed("cache", dir+"; the cached token of "+p.Label()+": "+d.s.CacheState(p, secret)))
	}
}
