package cli

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nxcred/nxcred/internal/oauth/oauthtest"
)

// TestReleaseArchiveInstall builds this machine's release archive with
// scripts/release.sh, checks what it holds, and installs it with install.sh
// as a user without Go would: from the unpacked archive, and with --archive
// (checked against checksums.txt, and refused when altered). The installed
// nxcred must report the stamped version and fetch a token from the fake
// endpoint. A go on PATH that fails when run proves no Go is needed.
func TestReleaseArchiveInstall(t *testing.T) {
	sh, goCmd := installTools(t)
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skipf("release archives for %s are not installed with install.sh", runtime.GOOS)
	}
	tarCmd, err := exec.LookPath("tar")
	if err != nil {
		t.Skip("no tar on PATH")
	}
	tmp := t.TempDir()
	home := filepath.Join(tmp, "home")
	tmpDir := filepath.Join(tmp, "tmp")
	dist := filepath.Join(tmp, "dist")
	for _, d := range []string{home, tmpDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	const version = "v0.0.0-installtest"
	const epoch = 1700000000
	env := installEnv(t, goCmd, home, tmpDir)
	buildEnv := append(slices.Clone(env), "VERSION="+version, fmt.Sprintf("SOURCE_DATE_EPOCH=%d", epoch))

	script, err := filepath.Abs(filepath.Join(repoRoot, "scripts", "release.sh"))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	cmd := exec.CommandContext(t.Context(), sh, script, "--out", dist, runtime.GOOS+"/"+runtime.GOARCH)
	cmd.Env, cmd.Dir = buildEnv, tmp
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("release.sh: %v\n%s", err, out)
	}
	t.Logf("release.sh for %s/%s: %v", runtime.GOOS, runtime.GOARCH, time.Since(start).Round(time.Millisecond))

	name := "nxcred_" + version + "_" + runtime.GOOS + "_" + runtime.GOARCH
	if runtime.GOOS == "darwin" {
		name += "_nokeychain"
	}
	archive := filepath.Join(dist, name+".tar.gz")
	data, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %d bytes", filepath.Base(archive), len(data))
	sum := sha256.Sum256(data)
	if b, err := os.ReadFile(filepath.Join(dist, "checksums.txt")); err != nil || string(b) != hex.EncodeToString(sum[:])+"  "+name+".tar.gz\n" {
		t.Errorf("checksums.txt = %q (err %v), want the archive's SHA-256 in sha256sum's format", b, err)
	}
	checkArchiveEntries(t, data, name, time.Unix(epoch, 0))

	// The first go on PATH records that it ran and fails.
	fakeBin := filepath.Join(tmp, "fakebin")
	goCalled := filepath.Join(tmp, "go-was-called")
	if err := os.Mkdir(fakeBin, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(fakeBin, "go"), "#!/bin/sh\necho \"$@\" >>'"+goCalled+"'\nexit 1\n")
	if err := os.Chmod(filepath.Join(fakeBin, "go"), 0o755); err != nil {
		t.Fatal(err)
	}
	noGo := slices.Clone(env)
	noGo[slices.IndexFunc(noGo, func(s string) bool { return strings.HasPrefix(s, "PATH=") })] = "PATH=" + fakeBin + string(os.PathListSeparator) + os.Getenv("PATH")

	unpacked := filepath.Join(tmp, "unpacked")
	if err := os.Mkdir(unpacked, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(tarCmd, "-xzf", archive, "-C", unpacked).CombinedOutput(); err != nil {
		t.Fatalf("tar -xzf: %v\n%s", err, out)
	}
	prefix := filepath.Join(tmp, "prefix")
	_, stderr := runScript(t, sh, filepath.Join(unpacked, name, "install.sh"), tmp, noGo, 0, "--prefix", prefix)
	if !strings.Contains(stderr, "installing from the unpacked release archive "+filepath.Join(unpacked, name)+" (no Go needed)") {
		t.Errorf("install.sh in the unpacked archive does not say it installs from it:\n%s", stderr)
	}
	checkInstalledRelease(t, env, filepath.Join(prefix, "bin"), version)

	// --archive FILE, with checksums.txt beside it.
	prefix2 := filepath.Join(tmp, "prefix2")
	_, stderr = runInstall(t, sh, tmp, noGo, 0, "--archive", archive, "--prefix", prefix2)
	for _, want := range []string{name + ".tar.gz matches its SHA-256 in " + filepath.Join(dist, "checksums.txt"), "installing from the release archive " + archive + " (no Go needed)"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("install.sh --archive does not say %q:\n%s", want, stderr)
		}
	}
	checkInstalledRelease(t, env, filepath.Join(prefix2, "bin"), version)

	// An archive whose bytes do not match checksums.txt is refused.
	altered := filepath.Join(tmp, "altered")
	if err := os.Mkdir(altered, 0o755); err != nil {
		t.Fatal(err)
	}
	bad := slices.Clone(data)
	bad[len(bad)/2] ^= 1
	writeFile(t, filepath.Join(altered, name+".tar.gz"), string(bad))
	b, _ := os.ReadFile(filepath.Join(dist, "checksums.txt"))
	writeFile(t, filepath.Join(altered, "checksums.txt"), string(b))
	prefix3 := filepath.Join(tmp, "prefix3")
	_, stderr = runInstall(t, sh, tmp, noGo, 1, "--archive", filepath.Join(altered, name+".tar.gz"), "--prefix", prefix3)
	if !strings.Contains(stderr, "does not match its SHA-256") {
		t.Errorf("install.sh --archive with an altered archive: stderr %q, want it to say the SHA-256 does not match", stderr)
	}
	if _, err := os.Stat(prefix3); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("install.sh --archive with an altered archive created %s (%v)", prefix3, err)
	}

	// An archive with no checksums.txt beside it, named without a folder:
	// installed, with a warning that nothing was checked.
	writeFile(t, filepath.Join(tmp, name+".tar.gz"), string(data))
	prefix4 := filepath.Join(tmp, "prefix4")
	_, stderr = runInstall(t, sh, tmp, noGo, 0, "--archive", name+".tar.gz", "--prefix", prefix4)
	if want := "install.sh: warning: no checksums.txt beside " + filepath.Join(tmp, name+".tar.gz") + ", so its SHA-256 is not checked"; !strings.Contains(stderr, want) {
		t.Errorf("install.sh --archive without checksums.txt does not say %q:\n%s", want, stderr)
	}
	checkInstalledRelease(t, env, filepath.Join(prefix4, "bin"), version)

	if b, err := os.ReadFile(goCalled); err == nil {
		t.Errorf("installing from the release archive ran go: %s", b)
	}
}

// checkArchiveEntries checks a release tar.gz: exactly the expected entries
// under one folder, in order, owned by 0:0, with one time and fixed modes.
func checkArchiveEntries(t *testing.T, data []byte, name string, mtime time.Time) {
	t.Helper()
	zr, err := gzip.NewReader(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	if !zr.ModTime.IsZero() || zr.Name != "" {
		t.Errorf("gzip header: name %q, time %v; want neither", zr.Name, zr.ModTime)
	}
	want := []string{
		"/ d755", "/LICENSE 644", "/README.md 644", "/completions/ d755",
		"/completions/_nxcred 644", "/completions/nxcred.bash 644", "/completions/nxcred.fish 644", "/completions/nxcred.ps1 644",
		"/docker-credential-nxcred l777 nxcred", "/git-credential-nxcred l777 nxcred", "/install.sh 755", "/nxcred 755",
	}
	var got []string
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		kind := map[byte]string{tar.TypeDir: "d", tar.TypeSymlink: "l", tar.TypeReg: ""}[h.Typeflag]
		e := fmt.Sprintf("%s %s%o", strings.TrimPrefix(h.Name, name), kind, h.Mode)
		if h.Linkname != "" {
			e += " " + h.Linkname
		}
		got = append(got, e)
		if h.Uid != 0 || h.Gid != 0 || !h.ModTime.Equal(mtime) {
			t.Errorf("%s: owner %d:%d, time %v; want 0:0 and %v", h.Name, h.Uid, h.Gid, h.ModTime, mtime)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("archive entries (after %s):\n%s\nwant:\n%s", name, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// checkInstalledRelease runs what install.sh put in bin: the version with
// both spellings, the helper names, and a token from the fake endpoint
// through the environment profile.
func checkInstalledRelease(t *testing.T, env []string, bin, version string) {
	t.Helper()
	nxcred := filepath.Join(bin, "nxcred")
	v := runInstalled(t, env, nxcred, "version")
	if want := "nxcred " + version + " " + runtime.GOOS + "/" + runtime.GOARCH + " "; !strings.HasPrefix(v, want) {
		t.Errorf("installed nxcred version = %q, want it to start with %q", v, want)
	}
	if v2 := runInstalled(t, env, nxcred, "--version"); v2 != v {
		t.Errorf("nxcred --version = %q, want what nxcred version prints: %q", v2, v)
	}
	if d := runInstalled(t, env, filepath.Join(bin, "docker-credential-nxcred"), "--version"); !strings.Contains(d, " "+version+"\n") {
		t.Errorf("docker-credential-nxcred --version = %q, want the version %s", d, version)
	}

	srv := oauthtest.NewPlain("0oa-release-test", "release-test-secret")
	defer srv.Close()
	tokenEnv := append(slices.Clone(env), "NXCRED_CLIENT_ID=0oa-release-test", "NXCRED_CLIENT_SECRET=release-test-secret",
		"NXCRED_TOKEN_URL="+srv.TokenURL(), "NO_PROXY=127.0.0.1,::1,localhost")
	tok := runInstalled(t, tokenEnv, nxcred, "token")
	if issued := srv.Issued(); len(issued) != 1 || tok != issued[0]+"\n" {
		t.Errorf("installed nxcred token = %q, want the one token the endpoint issued (%q)", tok, issued)
	}
	if v := srv.Violations(); len(v) != 0 {
		t.Errorf("token requests not shaped as Nexthink documents: %q", v)
	}
}
