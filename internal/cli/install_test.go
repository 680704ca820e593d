package cli

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

	"github.com/nxcred/nxcred/internal/testenv"
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
	env := installEnv(t, goCmd, home, tmpDir)

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
	// Under the default prefix this folder is nxcred's data folder, which
	// holds the file keyring and is promised 0700.
	checkPrivate := func(when string) {
		t.Helper()
		if fi, err := os.Stat(filepath.Dir(manifest)); err != nil {
			t.Errorf("share/nxcred %s: %v", when, err)
		} else if fi.Mode().Perm() != 0o700 {
			t.Errorf("share/nxcred %s: mode %v, want 0700", when, fi.Mode().Perm())
		}
	}
	checkPrivate("after install.sh")
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

	// An older install.sh made the folder 0755: the next run closes it.
	if err := os.Chmod(filepath.Dir(manifest), 0o755); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	runInstall(t, sh, tmp, env, 0, "--prefix", prefix)
	t.Logf("second install: %v", time.Since(start).Round(time.Millisecond))
	checkPrivate("after a second run over a 0755 one")
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
	hermetic := testenv.New(t)
	env := append(hermetic.List(), "PATH="+os.Getenv("PATH"))

	if stdout, _ := runInstall(t, sh, tmp, env, 0, "--help"); !strings.HasPrefix(stdout, "usage: ./install.sh") {
		t.Errorf("install.sh --help = %q, want the usage", stdout)
	}
	for _, args := range [][]string{{"--bogus"}, {"--prefix"}, {"--prefix="}, {"--archive"}, {"--archive", "no-such.tar.gz"}, {"--archive", "README.md"}} {
		if _, stderr := runInstall(t, sh, tmp, env, 1, args...); !strings.HasPrefix(stderr, "install.sh: error: ") {
			t.Errorf("install.sh %q stderr = %q, want an install.sh: error: line", args, stderr)
		}
	}

	// A PATH with what the script needs before it looks for go, and no go.
	noGo := filepath.Join(tmp, "nogo")
	if err := os.Mkdir(noGo, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tool := range []string{"dirname", "grep", "mktemp", "rm"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			t.Skipf("no %s on PATH", tool)
		}
		if err := os.Symlink(p, filepath.Join(noGo, tool)); err != nil {
			t.Fatal(err)
		}
	}
	env = append(hermetic.List(), "PATH="+noGo)
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
	script, err := filepath.Abs(filepath.Join(repoRoot, "install.ps1"))
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

// installEnv is the pinned environment install.sh and release.sh run with:
// PATH, the hermetic home of testenv.Layout at home, TMPDIR, the go command's settings read
// from the real environment, proxies, and the C toolchain the macOS (cgo)
// build may need.
func installEnv(t *testing.T, goCmd, home, tmpDir string) []string {
	t.Helper()
	out, err := exec.Command(goCmd, append([]string{"env", "-json"}, installGoEnv...)...).Output()
	if err != nil {
		t.Fatalf("go env: %v", err)
	}
	var goEnv map[string]string
	if err := json.Unmarshal(out, &goEnv); err != nil {
		t.Fatalf("go env -json: %v", err)
	}
	hermetic := testenv.Layout(home, t.TempDir())
	if err := hermetic.MkdirAll(); err != nil {
		t.Fatal(err)
	}
	env := append(hermetic.List(),
		"PATH="+os.Getenv("PATH"),
		"TMPDIR="+tmpDir,
		"SHELL=/bin/sh",
	)
	for _, k := range installGoEnv {
		env = append(env, k+"="+goEnv[k])
	}
	for _, k := range []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "CC", "DEVELOPER_DIR", "SDKROOT"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
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
	script, err := filepath.Abs(filepath.Join(repoRoot, "install.sh"))
	if err != nil {
		t.Fatal(err)
	}
	return runScript(t, sh, script, dir, env, want, args...)
}

// runScript runs `sh SCRIPT ARGS` from dir and fails the test unless it
// exits with want.
func runScript(t *testing.T, sh, script, dir string, env []string, want int, args ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, sh, append([]string{script}, args...)...)
	cmd.Dir = dir
	cmd.Env = env
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
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

// TestUninstallLeftovers sets up git, docker, kubectl, go and Bazel to run
// nxcred, as nxcred configure does, beside settings of other tools, then
// checks that install.sh --uninstall names each of nxcred's, that running
// the commands it prints removes exactly those, and that it then finds none.
func TestUninstallLeftovers(t *testing.T) {
	sh, goCmd := installTools(t)
	tmp := t.TempDir()
	home := filepath.Join(tmp, "home")
	tmpDir := filepath.Join(tmp, "tmp")
	prefix := filepath.Join(tmp, "prefix")
	for _, d := range []string{home, tmpDir, filepath.Join(home, ".docker"), filepath.Join(home, ".kube"), filepath.Join(home, ".config", "nxcred")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	env := installEnv(t, goCmd, home, tmpDir)
	nxcred := filepath.Join(prefix, "bin", "nxcred")
	const host = "acme.api.eu.nexthink.cloud"
	have := func(name string) bool { _, err := exec.LookPath(name); return err == nil }

	shell := func(script string) string {
		t.Helper()
		cmd := exec.Command(sh, "-c", script)
		cmd.Env, cmd.Dir = env, tmp
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("sh -c %q: %v\n%s", script, err, out)
		}
		return string(out)
	}
	var wantNamed []string // what --uninstall must report
	if have("git") {
		shell(`git config --global credential.helper store
git config --global --replace-all credential.https://` + host + `.helper ''
git config --global --add credential.https://` + host + `.helper 'nxcred --profile prod'
git config --global --add credential.https://mixed.example.com.helper osxkeychain
git config --global --add credential.https://mixed.example.com.helper 'nxcred --profile prod'`)
		wantNamed = append(wantNamed, "credential.https://"+host+".helper", "credential.https://mixed.example.com.helper")
	}
	dockerConfig := filepath.Join(home, ".docker", "config.json")
	writeFile(t, dockerConfig, `{"auths":{},"credsStore":"nxcred","credHelpers":{"`+host+`":"nxcred","gcr.io":"gcloud"}}`)
	wantNamed = append(wantNamed, "credsStore in "+dockerConfig, `credHelpers["`+host+`"]`)
	writeFile(t, filepath.Join(home, ".kube", "config"), `apiVersion: v1
kind: Config
clusters:
- name: c1
  cluster: {server: "https://127.0.0.1:6443"}
contexts:
- name: nexthink
  context: {cluster: c1, user: nexthink-prod}
- name: gke
  context: {cluster: c1, user: other}
users:
- name: nexthink-prod
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: `+nxcred+`
      args: [kubectl, --profile, prod]
- name: other
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: gke-gcloud-auth-plugin
`)
	if have("kubectl") {
		wantNamed = append(wantNamed, "user nexthink-prod runs "+nxcred, "context nexthink uses user nexthink-prod")
	} else {
		wantNamed = append(wantNamed, "line 18 of "+filepath.Join(home, ".kube", "config"))
	}
	shell(`go env -w 'GOAUTH=` + nxcred + ` goauth --profile prod;netrc'`)
	wantNamed = append(wantNamed, "GOAUTH in ")
	writeFile(t, filepath.Join(home, ".bazelrc"), "build --jobs=4\nbuild --credential_helper="+host+"="+nxcred+"\n")
	wantNamed = append(wantNamed, ".bazelrc runs nxcred as a --credential_helper (line 2;")
	wantNamed = append(wantNamed, "nxcred's own folder "+filepath.Join(home, ".config", "nxcred"))

	_, stderr := runInstall(t, sh, tmp, env, 0, "--uninstall", "--prefix", prefix)
	for _, w := range wantNamed {
		if !strings.Contains(stderr, w) {
			t.Errorf("install.sh --uninstall does not name %q:\n%s", w, stderr)
		}
	}
	for _, other := range []string{"store", "osxkeychain", "gcloud", "gke", "other", "netrc\n", "--jobs"} {
		if strings.Contains(stderr, "- "+other) {
			t.Errorf("install.sh --uninstall names another tool's setting %q:\n%s", other, stderr)
		}
	}
	// Every command it printed, as the user would paste them.
	var commands []string
	for line := range strings.Lines(stderr) {
		if c, ok := strings.CutPrefix(line, "    "); ok && !strings.HasPrefix(c, "edit ") {
			commands = append(commands, c)
		}
	}
	t.Logf("commands printed:\n%s", strings.Join(commands, ""))
	shell(strings.Join(commands, ""))

	if _, stderr := runInstall(t, sh, tmp, env, 0, "--uninstall", "--prefix", prefix); !strings.Contains(stderr, "nothing else names nxcred") {
		t.Errorf("after running the printed commands, --uninstall still finds:\n%s", stderr)
	}
	// The other tools' settings are all still there.
	if have("git") {
		if got := shell("git config --global --get-regexp '^credential'"); got != "credential.helper store\ncredential.https://mixed.example.com.helper osxkeychain\n" {
			t.Errorf("git credential settings after the cleanup:\n%s", got)
		}
	}
	if b, err := os.ReadFile(dockerConfig); err != nil || strings.Contains(string(b), "nxcred") || !strings.Contains(string(b), `"gcr.io": "gcloud"`) {
		t.Errorf("docker config.json after the cleanup (err %v):\n%s", err, b)
	}
	if have("kubectl") {
		if got := shell(`kubectl config view -o jsonpath='{range .users[*]}{.name} {end}{range .contexts[*]}{.name} {end}'`); got != "other gke " {
			t.Errorf("kubeconfig users and contexts after the cleanup: %q, want %q", got, "other gke ")
		}
	}
	if got := shell("go env GOAUTH"); got != "netrc\n" {
		t.Errorf("GOAUTH after the cleanup = %q, want netrc", got)
	}
	if b, _ := os.ReadFile(filepath.Join(home, ".bazelrc")); string(b) != "build --jobs=4\n" {
		t.Errorf(".bazelrc after the cleanup = %q, want only the other line", b)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
