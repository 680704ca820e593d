package doctor

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/nxcred/nxcred/internal/config"
	"github.com/nxcred/nxcred/internal/fileperm"
)

// checkConfig reads the config file without changing it: other commands make
// a file that others may read private on the spot, doctor only reports it.
func (d *run) checkConfig() (*config.Config, bool) {
	path := d.s.ConfigPath
	envSet := d.s.EnvProfile != nil || d.s.EnvErr != nil
	empty := &config.Config{Path: path, Profiles: map[string]*config.Profile{}}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && envSet:
		return empty, d.report(passed("config", "no config file at "+path+"; the NXCRED_* environment profile needs none"))
	case errors.Is(err, fs.ErrNotExist):
		return nil, d.report(failed("config", "no config file at "+path+" and no NXCRED_* environment profile: nxcred has no credentials yet",
			"nxcred login --profile NAME --instance INSTANCE --region REGION --client-id ID (or set NXCRED_CLIENT_ID and NXCRED_CLIENT_SECRET)"))
	case err != nil:
		return nil, d.report(failed("config", fmt.Sprintf("cannot read %s: %v", path, errReason(err)), "make the file and its folders readable by you: ls -ld "+path))
	case !fi.Mode().IsRegular():
		return nil, d.report(failed("config", path+" is not a regular file", "move it away and run nxcred login again"))
	}
	st, mode := fileperm.Of(fi), fi.Mode().Perm()
	switch {
	case st.ForeignOwner:
		return nil, d.report(failed("config", path+" belongs to another user; nxcred refuses it, since the config decides where the client secret is sent",
			"make it yours: sudo chown \"$(id -un)\" "+path))
	case st.OthersWrite:
		return nil, d.report(failed("config", fmt.Sprintf("%s is writable by other users (mode %#o); nxcred refuses it, since the config decides where the client secret is sent", path, mode),
			"chmod 600 "+path))
	}
	var cfg *config.Config
	if st.OthersRead {
		// LoadConfig would make the file private; read it as it is.
		cfg, err = parseConfigFile(path)
	} else {
		cfg, err = config.Load(path)
	}
	if err != nil {
		fix := "edit " + path + ", or move it away and run nxcred login again"
		var ce *config.Error
		if errors.As(err, &ce) && ce.Line > 0 {
			fix = fmt.Sprintf("edit line %d of %s (unknown keys are errors), or move the file away and run nxcred login again", ce.Line, path)
		}
		return nil, d.report(failed("config", err.Error(), fix))
	}
	summary := fmt.Sprintf("%s: %d profile%s", path, len(cfg.Profiles), plural(len(cfg.Profiles)))
	if st.OthersRead {
		return cfg, d.report(warned("config", fmt.Sprintf("%s, readable by other users (mode %#o); it holds no secret, and other nxcred commands make it private when they read it", summary, mode), "chmod 600 "+path))
	}
	if fileperm.Modes {
		summary += fmt.Sprintf(", private (mode %#o)", mode)
	}
	return cfg, d.report(passed("config", summary))
}

// parseConfigFile is LoadConfig without its permission repair.
func parseConfigFile(path string) (*config.Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the config file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, config.MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read the config file: %w", err)
	}
	if len(data) > config.MaxSize {
		return nil, &config.Error{Path: path, Msg: "larger than 1 MiB; this is not an nxcred config file"}
	}
	cfg, err := config.Parse(data)
	if err != nil {
		var ce *config.Error
		if errors.As(err, &ce) {
			ce.Path = path
		}
		return nil, err
	}
	cfg.Path = path
	return cfg, nil
}

// checkProfile chooses the profile as every command does, and says why it
// was chosen.
func (d *run) checkProfile(cfg *config.Config) *config.Profile {
	if d.s.EnvErr != nil {
		d.report(failed("profile", d.s.EnvErr.Error(), "set NXCRED_CLIENT_ID and NXCRED_CLIENT_SECRET with NXCRED_INSTANCE and NXCRED_REGION (or NXCRED_TOKEN_URL), or unset them all"))
		return nil
	}
	ch := config.Choice{Flag: d.s.ProfileFlag, Env: d.s.Getenv("NXCRED_PROFILE")}
	p, err := config.Resolve(cfg, d.s.EnvProfile, ch)
	if err != nil {
		d.report(failed("profile", err.Error(), hintOf(err)))
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

// checkCache looks at the cache folder and the profile's cache file without
// creating or repairing anything.
func (d *run) checkCache(p *config.Profile, secret string) {
	store := d.s.Cache
	dir := store.Dir
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		created := "nxcred creates it"
		if fileperm.Modes {
			created += " (mode 0700)"
		}
		d.report(passed("cache", dir+" does not exist yet; "+created+" with the first token"))
		return
	case err != nil:
		d.report(failed("cache", fmt.Sprintf("cannot read %s: %v", dir, errReason(err)), "make the folder and its parents accessible to you: ls -ld "+dir))
		return
	case !fi.IsDir():
		d.report(failed("cache", dir+" is not a folder, so every call that needs a new token fails", "rm "+dir+" (nxcred creates the folder)"))
		return
	}
	st, mode := fileperm.Of(fi), fi.Mode().Perm()
	if st.ForeignOwner {
		d.report(failed("cache", dir+" belongs to another user; nxcred refuses to use it, so every call that needs a new token fails", "remove it, it holds only cached tokens: sudo rm -r "+dir))
		return
	}
	if st.OthersRead || st.OthersWrite {
		d.report(warned("cache", fmt.Sprintf("%s is open to other users (mode %#o); the next token nxcred caches makes it private", dir, mode), "chmod 700 "+dir))
		return
	}
	file := store.Path(p.SlotName())
	if fi, err := os.Stat(file); err == nil && !fileperm.Of(fi).Private() {
		d.report(warned("cache", fmt.Sprintf("%s is open to other users (mode %#o); nxcred ignores it and replaces it with the next token", file, fi.Mode().Perm()), "rm "+file))
		return
	}
	state := "the cached token was not checked (no secret to open it with)"
	if secret != "" {
		t, ok := store.Peek(d.s.Slot(p, secret))
		switch now := d.s.Now(); {
		case !ok:
			state = "no cached token for " + p.Label()
		case t.Usable(now):
			state = fmt.Sprintf("the cached token of %s is valid for %s", p.Label(), t.Expiry.Sub(now).Round(time.Second))
		default:
			state = "the cached token of " + p.Label() + " has expired"
		}
	}
	if fileperm.Modes {
		d.report(passed("cache", fmt.Sprintf("%s is private (mode %#o); %s", dir, mode, state)))
		return
	}
	d.report(passed("cache", fmt.Sprintf("%s exists; %s", dir, state)))
}
