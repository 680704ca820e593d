package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// installGoEnv are the go command's settings the install test carries over
// from the real environment. They are read with `go env` before HOME changes,
// so the script's build reuses the module and build caches and downloads
// nothing, whatever the go env file under the real home says.
var installGoEnv = []string{
	"GOPATH", "GOMODCACHE", "GOCACHE", "GOFLAGS", "GOPROXY", "GONOPROXY",
	"GOPRIVATE", "GONOSUMDB", "GOSUMDB", "GOINSECURE", "GOTOOLCHAIN",
}

// TestInstallScript runs install.sh into a temporary prefix with a pinned home,
// as a user's first ./install.sh would, then checks what it installed, that a
// second run changes nothing, and that --uninstall removes exactly that.
func TestInstallScript(t *testing.T) {
	sh, goCmd := installTools(t)
	out, err := exec.Command(goCmd, append([]string{"env", "-json"}, installGoEnv...)...).Output()
	if err != nil {
		t.Fatalf("go env: %v", err)
	}
	var goEnv map[string]string
	if err := json.Unmarshal(out, &goEnv); err != nil {
		t.Fatalf("go env -json: %v", err)
	}

	tmp := t.TempDir()
	prefix := filepath.Join(tmp, "prefix")
	home := filepath.Join(tmp, "home")
	tmpDir := filepath.Join(tmp, "tmp")
	bin := filepath.Join(prefix, "bin")
	for _, d := range []string{home, tmpDir, bin} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	sentinel := filepath.Join(bin, "sentinel")
	if err := os.WriteFile(sentinel, []byte("not nxcred's\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_DATA_HOME=" + filepath.Join(home, ".local", "share"),
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"DBUS_SESSION_BUS_ADDRESS=disabled:",
		"TMPDIR=" + tmpDir,
		"SHELL=/bin/sh",
	}
	for _, k := range installGoEnv {
		env = append(env, k+"="+goEnv[k])
	}
	// Proxies, and the C toolchain the macOS (cgo) build may need.
	for _, k := range []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "CC", "DEVELOPER_DIR", "SDKROOT"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}

	start := time.Now()
	stdout, stderr := runInstall(t, sh, tmp, env, 0, "--prefix", prefix)
	t.Logf("first install: %v", time.Since(start).Round(time.Millisecond))

	// The script ends by running the installed nxcred version.
	if !strings.HasPrefix(stdout, "nxcred ") {
		t.Errorf("install.sh stdout = %q, want the installed `nxcred version`", stdout)
	}
	wantHint := `export PATH="` + bin + `:$PATH"`
	if !strings.Contains(stderr, bin+" is not on PATH") || !strings.Contains(stderr, wantHint) {
		t.Errorf("install.sh stderr does not say %s is not on PATH with the line %s:\n%s", bin, wantHint, stderr)
	}
	if entries, err := os.ReadDir(tmpDir); err != nil || len(entries) != 0 {
		t.Errorf("TMPDIR after install.sh = %v (err %v), want it empty: the build folder was left behind", entries, err)
	}

	nxcred := filepath.Join(bin, "nxcred")
	if fi, err := os.Lstat(nxcred); err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		t.Fatalf("bin/nxcred: %v, %v; want an executable file", fi, err)
	} else {
		t.Logf("bin/nxcred: %d bytes", fi.Size())
	}
	version := runInstalled(t, env, nxcred, "version")
	if !strings.HasPrefix(version, "nxcred ") {
		t.Errorf("bin/nxcred version = %q, want it to start with %q", version, "nxcred ")
	}
	target, err := filepath.EvalSymlinks(nxcred)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"git-credential-nxcred", "docker-credential-nxcred"} {
		p := filepath.Join(bin, name)
		if got, err := filepath.EvalSymlinks(p); err != nil || got != target {
			t.Errorf("bin/%s resolves to %q (err %v), want %q", name, got, err, target)
			continue
		}
		// The protocols ignore or reject an unknown verb; what matters here is
		// that the name runs nxcred and returns.
		runInstalled(t, env, p, "nxcred-install-test")
	}
	completions := []string{
		filepath.Join(prefix, "share", "bash-completion", "completions", "nxcred"),
		filepath.Join(prefix, "share", "zsh", "site-functions", "_nxcred"),
		filepath.Join(prefix, "share", "fish", "vendor_completions.d", "nxcred.fish"),
	}
	for _, c := range completions {
		if b, err := os.ReadFile(c); err != nil || !bytes.Contains(b, []byte("nxcred")) {
			t.Errorf("completion %s: %v; want a file that mentions nxcred", c, err)
		}
	}

	manifest := filepath.Join(prefix, "share", "nxcred", "install-manifest")
	want := append([]string{nxcred, filepath.Join(bin, "git-credential-nxcred"), filepath.Join(bin, "docker-credential-nxcred")}, completions...)
	slices.Sort(want)
	first, listed := readInstallManifest(t, manifest)
	if !slices.Equal(listed, want) {
		t.Errorf("manifest lists\n%s\nwant\n%s", strings.Join(listed, "\n"), strings.Join(want, "\n"))
	}
	// Nothing else under the prefix, and nothing of nxcred's under HOME: the
	// manifest is the whole install.
	files := installedFiles(t, prefix)
	wantFiles := append(slices.Clone(want), manifest, sentinel)
	slices.Sort(wantFiles)
	if !slices.Equal(files, wantFiles) {
		t.Errorf("files under the prefix:\n%s\nwant\n%s", strings.Join(files, "\n"), strings.Join(wantFiles, "\n"))
	}
	for _, f := range installedFiles(t, home) {
		if strings.Contains(filepath.Base(f), "nxcred") {
			t.Errorf("install.sh --prefix wrote %s under HOME", f)
		}
	}

	start = time.Now()
	runInstall(t, sh, tmp, env, 0, "--prefix", prefix)
	t.Logf("second install: %v", time.Since(start).Round(time.Millisecond))
	if second, _ := readInstallManifest(t, manifest); second != first {
		t.Errorf("manifest after a second run:\n%s\nwant the first run's:\n%s", second, first)
	}
	if got := installedFiles(t, prefix); !slices.Equal(got, files) {
		t.Errorf("files after a second run:\n%s\nwant the first run's:\n%s", strings.Join(got, "\n"), strings.Join(files, "\n"))
	}

	runInstall(t, sh, tmp, env, 0, "--uninstall", "--prefix", prefix)
	for _, f := range append(want, manifest) {
		if _, err := os.Lstat(f); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("after --uninstall, %s: %v; want it gone", f, err)
		}
	}
	if got := installedFiles(t, prefix); !slices.Equal(got, []string{sentinel}) {
		t.Errorf("files after --uninstall: %q, want only the sentinel", got)
	}
	if b, err := os.ReadFile(sentinel); err != nil || string(b) != "not nxcred's\n" {
		t.Errorf("sentinel after --uninstall: %q, %v; want it untouched", b, err)
	}
	if _, stderr := runInstall(t, sh, tmp, env, 0, "--uninstall", "--prefix", prefix); !strings.Contains(stderr, "nothing to uninstall") {
		t.Errorf("a second --uninstall said %q, want it to say there is nothing to uninstall", stderr)
	}
}

// TestInstallScriptUsage checks install.sh's arguments and its error for a
// machine without Go; none of these builds anything.
func TestInstallScriptUsage(t *testing.T) {
	sh, _ := installTools(t)
	tmp := t.TempDir()
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + filepath.Join(tmp, "home")}

	if stdout, _ := runInstall(t, sh, tmp, env, 0, "--help"); !strings.HasPrefix(stdout, "usage: ./install.sh") {
		t.Errorf("install.sh --help = %q, want the usage", stdout)
	}
	for _, args := range [][]string{{"--bogus"}, {"--prefix"}, {"--prefix="}} {
		if _, stderr := runInstall(t, sh, tmp, env, 1, args...); !strings.HasPrefix(stderr, "install.sh: error: ") {
			t.Errorf("install.sh %q stderr = %q, want an install.sh: error: line", args, stderr)
		}
	}

	// A PATH with what the script needs before it looks for go, and no go.
	noGo := filepath.Join(tmp, "nogo")
	if err := os.Mkdir(noGo, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tool := range []string{"dirname", "grep"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			t.Skipf("no %s on PATH", tool)
		}
		if err := os.Symlink(p, filepath.Join(noGo, tool)); err != nil {
			t.Fatal(err)
		}
	}
	env = []string{"PATH=" + noGo, "HOME=" + filepath.Join(tmp, "home")}
	_, stderr := runInstall(t, sh, tmp, env, 1, "--prefix", filepath.Join(tmp, "prefix"))
	if !strings.Contains(stderr, "install.sh: error: go is not on PATH") || !strings.Contains(stderr, "https://go.dev/dl/") {
		t.Errorf("install.sh without go: stderr = %q, want an error naming https://go.dev/dl/", stderr)
	}
}

// TestInstallPS1Syntax parses install.ps1 with PowerShell's own parser, where
// pwsh is installed.
func TestInstallPS1Syntax(t *testing.T) {
	pwsh, err := exec.LookPath("pwsh")
	if err != nil {
		t.Skip("pwsh is not on PATH")
	}
	script, err := filepath.Abs("install.ps1")
	if err != nil {
		t.Fatal(err)
	}
	// The path goes through the environment so no quoting can break it.
	const parse = `$errs = $null
$null = [System.Management.Automation.Language.Parser]::ParseFile($env:NXCRED_INSTALL_PS1, [ref]$null, [ref]$errs)
foreach ($e in $errs) { '{0}:{1}: {2}' -f $e.Extent.StartLineNumber, $e.Extent.StartColumnNumber, $e.Message }
if ($errs) { exit 1 }`
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, pwsh, "-NoProfile", "-NonInteractive", "-Command", parse)
	cmd.Env = append(os.Environ(), "NXCRED_INSTALL_PS1="+script)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("parsing install.ps1: %v\n%s", err, out)
	}
}

// installTools skips where install.sh cannot run and returns sh and go.
func installTools(t *testing.T) (sh, goCmd string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("install.sh is for Linux, macOS and WSL; Windows has install.ps1")
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh on PATH")
	}
	goCmd, err = exec.LookPath("go")
	if err != nil {
		t.Skip("no go on PATH")
	}
	return sh, goCmd
}

// runInstall runs `sh install.sh ARGS` from dir (not the checkout, as a user
// may) and fails the test unless it exits with want.
func runInstall(t *testing.T, sh, dir string, env []string, want int, args ...string) (stdout, stderr string) {
	t.Helper()
	script, err := filepath.Abs("install.sh")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, sh, append([]string{script}, args...)...)
	cmd.Dir = dir
	cmd.Env = env
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	got := 0
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
		got = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("sh install.sh %s: %v", strings.Join(args, " "), err)
	}
	if got != want {
		t.Fatalf("sh install.sh %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), got, want, &o, &e)
	}
	return o.String(), e.String()
}

// runInstalled runs an installed program with the pinned environment and
// returns its stdout; it fails the test if the program cannot start or hangs.
func runInstalled(t *testing.T, env []string, prog string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.Env = env
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s %s did not return within 30s", prog, strings.Join(args, " "))
	}
	if ee := (*exec.ExitError)(nil); err != nil && !errors.As(err, &ee) {
		t.Fatalf("%s %s did not run: %v", prog, strings.Join(args, " "), err)
	}
	t.Logf("%s %s: %v\nstdout: %s\nstderr: %s", filepath.Base(prog), strings.Join(args, " "), err, &o, &e)
	return o.String()
}

// readInstallManifest returns the manifest's text and its lines, sorted.
func readInstallManifest(t *testing.T, path string) (string, []string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("manifest: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	slices.Sort(lines)
	return string(b), lines
}

// installedFiles lists every file and link under root, sorted.
func installedFiles(t *testing.T, root string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	return files
}
