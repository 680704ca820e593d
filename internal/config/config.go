package config

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
	"github.com/nxcred/nxcred/internal/atomicfile"
	"github.com/nxcred/nxcred/internal/fileperm"
)

// MaxSize bounds the config file nxcred reads.
const MaxSize = 1 << 20

// Config is the profiles file, $XDG_CONFIG_HOME/nxcred/config.toml. It never
// holds a secret or a token.
type Config struct {
	// Path is where the file was read from and is written to.
	Path string
	// Default names the profile used when nothing else chooses one.
	Default  string
	Profiles map[string]*Profile
	// Warnings are problems Load repaired, for the caller to show.
	Warnings []string
}

// The file's shape. Keys are snake_case; unknown keys are errors, so a typo
// such as client-id is caught instead of silently ignored.
type fileConfig struct {
	Default  string                 `toml:"default,omitempty"`
	Profiles map[string]fileProfile `toml:"profiles,omitempty"`
}

type fileProfile struct {
	Instance string   `toml:"instance,omitempty"`
	Region   string   `toml:"region,omitempty"`
	ClientID string   `toml:"client_id"`
	Scope    string   `toml:"scope,omitempty"`
	TokenURL string   `toml:"token_url,omitempty"`
	Hosts    []string `toml:"hosts,omitempty"`
	Keyring  string   `toml:"keyring,omitempty"`
}

// Error is a problem in the config file, with the line it is on when
// known, and what to do about it.
type Error struct {
	Path     string
	Line     int
	Msg      string
	HintText string
}

// Hint tells the user what to do.
func (e *Error) Hint() string { return e.HintText }

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Msg)
}

// Load reads the config file at path. A missing file is an empty
// config, not an error. A file others may read is made private, with a
// warning in Warnings.
func Load(path string) (*Config, error) { return load(path, true) }

// Read is Load for a reader that changes nothing (doctor): a
// file others may read is left as it is, with a warning in Warnings.
func Read(path string) (*Config, error) { return load(path, false) }

func load(path string, repair bool) (*Config, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Config{Path: path, Profiles: map[string]*Profile{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read the config file: %w", err)
	}
	defer f.Close()
	warning, err := checkPrivate(f, path, repair)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read the config file: %w", err)
	}
	if len(data) > MaxSize {
		return nil, &Error{Path: path, Msg: "larger than 1 MiB; this is not an nxcred config file"}
	}
	c, err := Parse(data)
	if err != nil {
		var ce *Error
		if errors.As(err, &ce) {
			ce.Path = path
			ce.HintText = "edit " + path + ", or move it away and run nxcred login again"
			if ce.Line > 0 {
				ce.HintText = fmt.Sprintf("edit line %d of %s (unknown keys are errors), or move the file away and run nxcred login again", ce.Line, path)
			}
		}
		return nil, err
	}
	c.Path = path
	if warning != "" {
		c.Warnings = append(c.Warnings, warning)
	}
	return c, nil
}

// checkPrivate refuses a config file that another user owns or may write:
// whoever can change it can point the token URL at a server of theirs and
// receive the client secret. A file others may only read is made private,
// with a warning (when repair is set; else the warning says how).
func checkPrivate(f *os.File, path string, repair bool) (string, error) {
	fi, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("cannot read the config file: %w", err)
	}
	st := fileperm.Of(fi)
	switch {
	case st.ForeignOwner:
		return "", &Error{Path: path, Msg: "owned by another user; refusing to use it, since the config decides where the client secret is sent",
			HintText: "make it yours: sudo chown \"$(id -un)\" " + path}
	case st.OthersWrite:
		return "", &Error{Path: path, Msg: fmt.Sprintf("writable by other users (mode %#o); refusing to use it, since the config decides where the client secret is sent", fi.Mode().Perm()),
			HintText: "run: chmod 600 " + path}
	case st.OthersRead && !repair:
		return fmt.Sprintf("%s is readable by other users (mode %#o); it holds no secret, and other nxcred commands make it private when they read it", path, fi.Mode().Perm()), nil
	case st.OthersRead:
		if err := os.Chmod(path, 0o600); err != nil {
			return "", &Error{Path: path, Msg: fmt.Sprintf("readable by other users and cannot be made private: %v", err)}
		}
		return fmt.Sprintf("%s was readable by other users (mode %#o); made it private (0600)", path, fi.Mode().Perm()), nil
	}
	return "", nil
}

// Parse parses the content of a config file and validates every
// profile. Errors are *Error with the line when it can be found.
func Parse(data []byte) (*Config, error) {
	var fc fileConfig
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&fc)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, &Error{Path: "config", Line: pe.Position.Line, Msg: pe.Message}
		}
		ce := &Error{Path: "config", Msg: err.Error()}
		if m := lineInMessage().FindStringSubmatch(ce.Msg); m != nil {
			ce.Line, _ = strconv.Atoi(m[1])
			ce.Msg = strings.TrimPrefix(ce.Msg, "toml: ")
		}
		return nil, ce
	}
	if und := md.Undecoded(); len(und) > 0 {
		k := und[0]
		return nil, &Error{Path: "config", Line: lineOfKey(data, k), Msg: fmt.Sprintf("unknown key %q", k.String())}
	}
	c := &Config{Default: fc.Default, Profiles: map[string]*Profile{}}
	for name, fp := range fc.Profiles {
		p := &Profile{
			Name: name, Instance: fp.Instance, Region: fp.Region, ClientID: fp.ClientID,
			Scope: fp.Scope, TokenURL: fp.TokenURL, Hosts: fp.Hosts, Keyring: fp.Keyring,
		}
		if err := p.Validate(); err != nil {
			return nil, &Error{Path: "config", Line: lineOfKey(data, toml.Key{"profiles", name}), Msg: fmt.Sprintf("profile %s: %v", name, err)}
		}
		c.Profiles[name] = p
	}
	if c.Default != "" && c.Profiles[c.Default] == nil {
		return nil, &Error{Path: "config", Line: lineOfKey(data, toml.Key{"default"}), Msg: fmt.Sprintf("default profile %q is not defined", c.Default)}
	}
	return c, nil
}

// lineOfKey finds the line that defines key: its table header, or its
// key = value line inside the table of key's parent. 0 if not found.
// BurntSushi/toml keeps no positions for keys, and a line number is what
// makes a config error quick to fix. Headers may carry comments and quoted
// keys ([profiles."my prod"] # note).
func lineOfKey(data []byte, key toml.Key) int {
	table, leaf := key[:len(key)-1], key[len(key)-1]
	inTable := len(table) == 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, MaxSize+1)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") && !strings.HasPrefix(line, "[[") {
			h := headerKey(line)
			if slices.Equal(h, key) {
				return n
			}
			inTable = slices.Equal(h, table)
			continue
		}
		if inTable {
			k, _, ok := strings.Cut(line, "=")
			if ok && unquoteKeyPart(k) == leaf {
				return n
			}
		}
	}
	return 0
}

// headerKey splits "[a.'b c'."d"] # comment" into its key parts.
func headerKey(line string) []string {
	var parts []string
	var cur strings.Builder
	quote := byte(0)
	for i := 1; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			cur.WriteByte(c)
		case c == '"' || c == '\'':
			quote = c
		case c == '.':
			parts = append(parts, strings.TrimSpace(cur.String()))
			cur.Reset()
		case c == ']':
			return append(parts, strings.TrimSpace(cur.String()))
		default:
			cur.WriteByte(c)
		}
	}
	return nil
}

func unquoteKeyPart(k string) string {
	k = strings.TrimSpace(k)
	if len(k) >= 2 && (k[0] == '"' || k[0] == '\'') && k[len(k)-1] == k[0] {
		return k[1 : len(k)-1]
	}
	return k
}

// lineInMessage reads "line N" from a decoder message that has no position.
var lineInMessage = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\bline (\d+)\b`) })

// Names lists the profile names in order.
func (c *Config) Names() []string {
	names := make([]string, 0, len(c.Profiles))
	for n := range c.Profiles {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// DefaultProfile is the profile marked default, or the only one, or nil.
func (c *Config) DefaultProfile() *Profile {
	if c.Default != "" {
		return c.Profiles[c.Default]
	}
	if len(c.Profiles) == 1 {
		for _, p := range c.Profiles {
			return p
		}
	}
	return nil
}

// Put adds or replaces a profile. The first profile becomes the default.
func (c *Config) Put(p *Profile) {
	if c.Profiles == nil {
		c.Profiles = map[string]*Profile{}
	}
	c.Profiles[p.Name] = p
	if c.Default == "" && len(c.Profiles) == 1 {
		c.Default = p.Name
	}
}

// Delete removes a profile; if it was the default, the only remaining
// profile (if exactly one) becomes the default.
func (c *Config) Delete(name string) {
	delete(c.Profiles, name)
	if c.Default == name {
		c.Default = ""
		if len(c.Profiles) == 1 {
			c.Default = c.Names()[0]
		}
	}
}

const configHeader = "# nxcred profiles. Written by `nxcred login`; no secret or token is ever kept here.\n\n"

// Marshal renders the config file.
func (c *Config) Marshal() ([]byte, error) {
	fc := fileConfig{Default: c.Default, Profiles: map[string]fileProfile{}}
	for name, p := range c.Profiles {
		fc.Profiles[name] = fileProfile{
			Instance: p.Instance, Region: p.Region, ClientID: p.ClientID,
			Scope: p.Scope, TokenURL: p.TokenURL, Hosts: p.Hosts, Keyring: p.Keyring,
		}
	}
	var buf bytes.Buffer
	buf.WriteString(configHeader)
	enc := toml.NewEncoder(&buf)
	enc.Indent = ""
	if err := enc.Encode(fc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Save writes the config atomically (temp file and rename), folder 0700,
// file 0600.
func (c *Config) Save() error {
	data, err := c.Marshal()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(c.Path), 0o700); err != nil {
		return fmt.Errorf("cannot create the config folder: %w", err)
	}
	if err := atomicfile.Write(c.Path, data); err != nil {
		return fmt.Errorf("cannot write the config file: %w", err)
	}
	return nil
}
