//go:build linux

package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/nxcred/nxcred/internal/config"
	"github.com/nxcred/nxcred/internal/keyring"
	"github.com/nxcred/nxcred/internal/oauth/oauthtest"
	"github.com/nxcred/nxcred/internal/testenv"
)

// The fake tenant every case asks for.
const (
	benchClientID = "bench-client"
	benchInstance = "acme"
	benchRegion   = "eu"
	benchAPIHost  = "acme.api.eu.nexthink.cloud"
	kubeExecInfo  = `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}`
	bazelRequest  = `{"uri":"https://acme.api.eu.nexthink.cloud/x"}`
	gitRequest    = "protocol=https\nhost=acme.api.eu.nexthink.cloud\n\n"
)

// suite is one run of the benchmark: binaries, the fake endpoint, the
// hermetic homes, the cases and what was measured.
type suite struct {
	o    options
	root string
	tmp  string

	nxcred, hello, probe string
	binSize, helloSize   int64

	srv      *oauthtest.Server
	secret   string
	caFile   string
	devnull  *os.File
	timeBin  string
	curlBin  string
	straceOK bool

	envVars, fileVars, ssVars []string
	envCacheDir               string
	ss                        *secretService
	ssNote                    string
	notes                     []string

	cases  []*tcase
	bursts []*burstSeries
	audits []auditResult
	inits  initReport
}

func (s *suite) note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.notes = append(s.notes, msg)
	logf("%s", msg)
}

// build compiles nxcred, hello and keyringprobe the way a release is built:
// stripped, no cgo, reproducible paths.
func (s *suite) build() error {
	bin := filepath.Join(s.tmp, "bin")
	s.nxcred = filepath.Join(bin, "nxcred")
	s.hello = filepath.Join(bin, "hello")
	s.probe = filepath.Join(bin, "keyringprobe")
	builds := []struct{ out, pkg string }{{s.nxcred, "."}, {s.hello, "./bench/hello"}, {s.probe, "./bench/keyringprobe"}}
	if s.o.binary != "" {
		abs, err := filepath.Abs(s.o.binary)
		if err != nil {
			return err
		}
		s.nxcred, builds = abs, builds[1:]
		s.note("timed the given binary %s, not one built from the tree", abs)
	}
	for _, b := range builds {
		logf("building %s", b.pkg)
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", b.out, b.pkg)
		cmd.Dir = s.root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %v\n%s", b.pkg, err, out)
		}
	}
	// Same page-cache state for every binary (see pagecache.go).
	settled := filepath.Join(s.tmp, "run")
	if err := os.MkdirAll(settled, 0o755); err != nil {
		return err
	}
	for _, p := range []*string{&s.nxcred, &s.hello, &s.probe} {
		var err error
		if *p, err = settle(*p, settled, s.o.pagecache); err != nil {
			return err
		}
	}
	for i := range s.o.also {
		var err error
		if s.o.also[i], err = settle(s.o.also[i], settled, s.o.pagecache); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		path string
		size *int64
	}{{s.nxcred, &s.binSize}, {s.hello, &s.helloSize}} {
		fi, err := os.Stat(f.path)
		if err != nil {
			return err
		}
		*f.size = fi.Size()
	}
	return nil
}

// tools finds the optional programs; each one missing drops one part of
// the report, with a note, instead of the whole run.
func (s *suite) tools() {
	if _, err := os.Stat("/usr/bin/time"); err == nil {
		s.timeBin = "/usr/bin/time"
	} else {
		s.note("/usr/bin/time is missing (apt-get install time): peak RSS not measured")
	}
	if p, err := exec.LookPath("curl"); err == nil {
		s.curlBin = p
	} else {
		s.note("curl is missing (apt-get install curl): the curl case is skipped")
	}
	if _, err := exec.LookPath("strace"); err == nil {
		s.straceOK = true
	} else {
		s.note("strace is missing (apt-get install strace): the file/network/D-Bus audit is skipped")
	}
}

func (s *suite) startServer() error {
	b := make([]byte, 16)
	rand.Read(b)
	s.secret = "bench-" + hex.EncodeToString(b)
	if s.o.plain {
		s.srv = oauthtest.NewPlain(benchClientID, s.secret)
		return nil
	}
	ep, err := testenv.StartEndpoint(benchClientID, s.secret, filepath.Join(s.tmp, "ca.pem"))
	if err != nil {
		return err
	}
	s.srv, s.caFile = ep.Server, ep.CAFile
	return nil
}

// home makes a hermetic home under the temp folder (the tests' layout,
// testenv.Layout) and returns the environment that pins every folder nxcred
// could read or write into it. Nothing of the driver's own environment
// leaks in but PATH.
func (s *suite) home(name string) ([]string, error) {
	h := filepath.Join(s.tmp, name)
	hermetic := testenv.Layout(h, filepath.Join(h, "run"))
	if err := hermetic.MkdirAll(); err != nil {
		return nil, err
	}
	env := append(hermetic.List(), "PATH="+os.Getenv("PATH"), "LANG=C")
	if s.caFile != "" {
		env = append(env, "SSL_CERT_FILE="+s.caFile)
	}
	return env, nil
}

// setEnv returns env with name set to value (replacing an earlier value).
func setEnv(env []string, name, value string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return append(out, name+"="+value)
}

func envValue(env []string, name string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, name+"="); ok {
			return v
		}
	}
	return ""
}

// prepare makes the homes: the environment profile with a warm cache, and a
// profile whose secret is in the file keyring (logged in, cache warm).
func (s *suite) prepare() error {
	var err error
	if s.envVars, err = s.home("home-env"); err != nil {
		return err
	}
	s.envVars = append(s.envVars,
		"NXCRED_CLIENT_ID="+benchClientID,
		"NXCRED_CLIENT_SECRET="+s.secret,
		"NXCRED_TOKEN_URL="+s.srv.TokenURL(),
		"NXCRED_INSTANCE="+benchInstance,
		"NXCRED_REGION="+benchRegion,
	)
	s.envCacheDir = filepath.Join(envValue(s.envVars, "XDG_CACHE_HOME"), "nxcred")
	if _, err := s.runSetup(s.envVars, "", "token"); err != nil {
		return fmt.Errorf("first token of the environment profile: %w", err)
	}

	if s.fileVars, err = s.home("home-file"); err != nil {
		return err
	}
	s.fileVars = append(s.fileVars, "NXCRED_KEYRING_BACKEND=file", "NXCRED_KEYRING_PASSWORD=bench-keyring-password")
	if err := s.login(s.fileVars, "filekr"); err != nil {
		return fmt.Errorf("login with the file keyring: %w", err)
	}
	return nil
}

// login stores the secret of profile in the keyring env selects; it fetches
// a token to check it, which also warms the cache.
func (s *suite) login(env []string, profile string) error {
	_, err := s.runSetup(env, s.secret, "login", "--profile", profile,
		"--instance", benchInstance, "--region", benchRegion,
		"--client-id", benchClientID, "--token-url", s.srv.TokenURL(), "--client-secret-stdin")
	return err
}

// itemKey is the keyring item login stores profile's secret under.
func (s *suite) itemKey(profile string) string {
	return keyring.ItemKey(&config.Profile{Name: profile, Instance: benchInstance, Region: benchRegion,
		ClientID: benchClientID, TokenURL: s.srv.TokenURL()})
}

// runSetup runs nxcred once outside any measurement.
func (s *suite) runSetup(env []string, stdin string, args ...string) ([]byte, error) {
	cmd := exec.Command(s.nxcred, args...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return nil, fmt.Errorf("nxcred %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-done
		return nil, fmt.Errorf("nxcred %s: no answer in 30 s", strings.Join(args, " "))
	}
	return out.Bytes(), nil
}

// coldCache removes the environment profile's cached token (and any
// remembered failure), so the next call must fetch.
func (s *suite) coldCache() error {
	for _, pat := range []string{"*.token", "*.failed"} {
		files, _ := filepath.Glob(filepath.Join(s.envCacheDir, pat))
		for _, f := range files {
			if err := os.Remove(f); err != nil {
				return err
			}
		}
	}
	return nil
}
