package cli

import (
	"bytes"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nxcred/nxcred/internal/oauth/oauthtest"
	"github.com/nxcred/nxcred/internal/testenv"
	"github.com/nxcred/nxcred/internal/wine"
)

// procEnv is a hermetic environment for nxcred processes (testenv.New and
// PATH), the environment profile pointing at srv (testenv.NewEndpoint). NXCRED_TIMEOUT
// (the token request's deadline and the lock wait) is two minutes: dozens of
// processes on a loaded machine must not turn a wait into a failure, and
// only a real hang reaches it.
type procEnv struct {
	t    *testing.T
	bin  string
	srv  *oauthtest.Server
	home string
	vars map[string]string
}

func newProcEnv(t *testing.T) *procEnv {
	t.Helper()
	ep := testenv.NewEndpoint(t, scriptClientID, scriptSecret)
	env := testenv.New(t)
	bin, err := exec.LookPath("nxcred")
	if err != nil {
		t.Fatal(err)
	}
	return &procEnv{t: t, bin: bin, srv: ep.Server, home: env["HOME"], vars: env.With(ep.EnvProfile()).With(map[string]string{
		"PATH":           os.Getenv("PATH"),
		"NXCRED_TIMEOUT": "2m",
	})}
}

func (p *procEnv) command(args ...string) *exec.Cmd {
	cmd := exec.Command(p.bin, args...)
	for k, v := range p.vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd
}

// processes is how many processes a burst test starts: n, or 8 under Wine,
// which spends about half a second of CPU starting each one, so that 50 at
// once on a small machine outlast NXCRED_TIMEOUT before the last of them
// runs at all, and serializes their file locking through one wineserver.
func processes(t *testing.T, n int) int {
	if wine.Running() {
		t.Logf("under Wine: %d processes, not %d", 8, n)
		return 8
	}
	return n
}

type procResult struct {
	stdout, stderr string
	err            error
	took           time.Duration
}

// parallel starts n processes together and waits for all of them.
func (p *procEnv) parallel(n int, args ...string) []procResult {
	res := make([]procResult, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Add(1)
		go func() {
			defer done.Done()
			cmd := p.command(args...)
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			start.Wait()
			t0 := time.Now()
			err := cmd.Run()
			res[i] = procResult{out.String(), errb.String(), err, time.Since(t0)}
		}()
	}
	start.Done()
	done.Wait()
	return res
}

// TestParallelColdCalls: 50 processes on a cold cache make exactly one token
// request and all print the same token.
func TestParallelColdCalls(t *testing.T) {
	p := newProcEnv(t)
	p.srv.SetDelay(300 * time.Millisecond) // so that all of them overlap the request
	n := processes(t, 50)
	res := p.parallel(n, "token")
	for i, r := range res {
		if r.err != nil {
			t.Fatalf("process %d: %v\n%s", i, r.err, r.stderr)
		}
		if r.stdout != res[0].stdout {
			t.Errorf("process %d printed %q, process 0 %q: want one token for all", i, r.stdout, res[0].stdout)
		}
		if r.stderr != "" {
			t.Errorf("process %d stderr = %q, want nothing", i, r.stderr)
		}
	}
	if got := p.srv.Hits(); got != 1 {
		t.Errorf("token requests from %d parallel cold calls = %d, want 1", n, got)
	}
	t.Logf("%d parallel cold calls: 1 token request, slowest process %s", n, slowest(res))
}

// TestParallelWrongSecret: 20 parallel calls with a rejected secret make at
// most two token requests; all fail with the same clear error. A corrected
// secret is tried at once, not after the rejection is forgotten. The clock
// is fixed, so the rejection's 10 s memo cannot run out while a loaded
// machine is still starting the 20.
func TestParallelWrongSecret(t *testing.T) {
	p := newProcEnv(t)
	p.vars[testOnlyNow] = "2031-05-06T07:08:09Z"
	p.vars["NXCRED_CLIENT_SECRET"] = "wrong-secret-for-the-burst"
	p.srv.SetDelay(200 * time.Millisecond)
	n := processes(t, 20)
	res := p.parallel(n, "token")
	for i, r := range res {
		if r.err == nil || r.stdout != "" {
			t.Fatalf("process %d: err %v, stdout %q; want a failure and no output", i, r.err, r.stdout)
		}
		if !strings.HasPrefix(r.stderr, "nxcred: error: nexthink rejected the client id or secret of the environment profile") {
			t.Errorf("process %d stderr = %q, want the rejection", i, r.stderr)
		}
		if strings.Contains(r.stderr, "wrong-secret-for-the-burst") {
			t.Errorf("process %d stderr leaks the secret: %q", i, r.stderr)
		}
	}
	if got := p.srv.Hits(); got > 2 {
		t.Errorf("token requests from %d parallel calls with a wrong secret = %d, want at most 2", n, got)
	}
	hits := p.srv.Hits()
	p.vars["NXCRED_CLIENT_SECRET"] = scriptSecret
	if out, err := p.command("token").Output(); err != nil || !strings.HasPrefix(string(out), "tok-") {
		t.Fatalf("token with the corrected secret = %q, %v; want a token at once", out, err)
	}
	if got := p.srv.Hits(); got != hits+1 {
		t.Errorf("token requests after correcting the secret = %d, want %d", got, hits+1)
	}
	t.Logf("%d parallel calls with a wrong secret: %d token requests, slowest %s", n, hits, slowest(res))
}

// TestKilledLockHolder: a process killed (SIGKILL) in the middle of its token
// request, holding the profile's lock, blocks nobody: the next call goes
// through at once.
func TestKilledLockHolder(t *testing.T) {
	p := newProcEnv(t)
	p.srv.SetDelay(time.Hour) // the holder's request never completes
	holder := p.command("token")
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for p.srv.Hits() == 0 {
		if time.Now().After(deadline) {
			holder.Process.Kill()
			t.Fatal("the holder never reached the token endpoint")
		}
		time.Sleep(5 * time.Millisecond)
	}
	holder.Process.Signal(syscall.SIGKILL)
	holder.Wait()
	killed := time.Now()

	p.srv.SetDelay(0)
	out, err := p.command("token").CombinedOutput()
	recovered := time.Since(killed)
	if err != nil || !strings.HasPrefix(string(out), "tok-2-") {
		t.Fatalf("token after the holder was killed = %q, %v; want the next token", out, err)
	}
	// A loaded machine may add seconds; waiting for the dead holder's lock
	// takes the whole lock wait (NXCRED_TIMEOUT, 2m) and then fails.
	if recovered > time.Minute {
		t.Errorf("the next call took %s after the holder died, want well under the %s lock wait", recovered, p.vars["NXCRED_TIMEOUT"])
	}
	t.Logf("next call after a SIGKILLed lock holder: %s", recovered.Round(time.Millisecond))
}

// TestKilledWriters: processes killed at random moments while refreshing
// leave either the old cache file or the new one; the file never holds
// something that opens as a token the server did not issue, and the next call
// always succeeds.
func TestKilledWriters(t *testing.T) {
	p := newProcEnv(t)
	const rounds = 25
	for i := range rounds {
		// Older than the refresh window, so that --refresh writes again.
		if i > 0 {
			if err := retimeCachedToken(func(k string) string { return p.vars[k] }, filepath.Join(p.vars["XDG_CACHE_HOME"], "nxcred"), time.Minute, 14*time.Minute); err != nil {
				t.Fatalf("round %d: %v", i, err)
			}
		}
		cmd := p.command("token", "--refresh")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rand.IntN(25_000)) * time.Microsecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()

		out, err := p.command("token").Output()
		if err != nil {
			t.Fatalf("round %d: token after a killed writer: %v", i, err)
		}
		tok := strings.TrimSpace(string(out))
		if !contains(p.srv.Issued(), tok) {
			t.Fatalf("round %d: token %q was never issued by the server", i, tok)
		}
	}
	leftovers, _ := filepath.Glob(filepath.Join(p.vars["XDG_CACHE_HOME"], "nxcred", "*.tmp"))
	t.Logf("%d killed writers, %d token requests, %d temp files left (swept after a minute)", rounds, p.srv.Hits(), len(leftovers))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func slowest(res []procResult) time.Duration {
	var m time.Duration
	for _, r := range res {
		m = max(m, r.took)
	}
	return m.Round(time.Millisecond)
}
