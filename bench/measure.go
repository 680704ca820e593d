//go:build linux

package main

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// tcase is one command line timed as a whole process.
type tcase struct {
	key   string // short name, used in targets and traces
	label string // the table's first column
	bin   string
	args  []string
	env   []string
	stdin string // content fed on stdin, "" for none
	// hitsPerRun is the number of token requests each run must make.
	hitsPerRun int
	// check validates one run's output (warm-up only).
	check func(stdout, stderr string) error
	// hit marks the cache-hit cases the targets are about.
	hit bool
	// perRun, when set, gives the environment of the nth timed or warm-up
	// run instead of env: every run here has the same parent, and nxcred
	// kubectl takes a second call from the same parent with the same exec
	// info for client-go asking again after a 401.
	perRun func(n int) []string
	runs   int

	stdinFile string
	wall, cpu []time.Duration
	hits      int
	rssKiB    []int64
	// probe output of keyringprobe, from the warm-up runs.
	probeOut []string
}

// runOnce runs c once with stdin, stdout and stderr already open, and
// returns the wall time from Start to Wait and the child's user+system CPU.
func (s *suite) runOnce(c *tcase, stdout, stderr *os.File) (time.Duration, time.Duration, error) {
	in := s.devnull
	if c.stdinFile != "" {
		f, err := os.Open(c.stdinFile)
		if err != nil {
			return 0, 0, err
		}
		defer f.Close()
		in = f
	}
	env := c.env
	if c.perRun != nil {
		c.runs++
		env = c.perRun(c.runs)
	}
	cmd := &exec.Cmd{Path: c.bin, Args: append([]string{filepath.Base(c.bin)}, c.args...), Env: env, Stdin: in, Stdout: stdout, Stderr: stderr}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	err := cmd.Wait()
	wall := time.Since(t0)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", c.label, err)
	}
	return wall, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), nil
}

// warmUp runs every case a few times untimed, checking its output, so the
// page cache, the cache files and the fake endpoint are warm.
func (s *suite) warmUp() error {
	outF, err := os.Create(filepath.Join(s.tmp, "warm.out"))
	if err != nil {
		return err
	}
	defer outF.Close()
	errF, err := os.Create(filepath.Join(s.tmp, "warm.err"))
	if err != nil {
		return err
	}
	defer errF.Close()
	for _, c := range s.cases {
		if c.stdin != "" {
			c.stdinFile = filepath.Join(s.tmp, "stdin-"+c.key)
			if err := os.WriteFile(c.stdinFile, []byte(c.stdin), 0o600); err != nil {
				return err
			}
		}
		for range s.o.warm {
			outF.Truncate(0)
			outF.Seek(0, 0)
			errF.Truncate(0)
			errF.Seek(0, 0)
			before := s.srv.Hits()
			if _, _, err := s.runOnce(c, outF, errF); err != nil {
				stderr, _ := os.ReadFile(errF.Name())
				return fmt.Errorf("warm-up: %v: %s", err, strings.TrimSpace(string(stderr)))
			}
			if got := s.srv.Hits() - before; got != c.hitsPerRun {
				return fmt.Errorf("warm-up of %s: %d token requests, want %d", c.label, got, c.hitsPerRun)
			}
			stdout, _ := os.ReadFile(outF.Name())
			stderr, _ := os.ReadFile(errF.Name())
			if c.check != nil {
				if err := c.check(string(stdout), string(stderr)); err != nil {
					return fmt.Errorf("warm-up of %s: %v", c.label, err)
				}
			}
			if c.key == "probe-file" || c.key == "probe-ss" {
				c.probeOut = append(c.probeOut, strings.TrimSpace(string(stdout)))
			}
		}
	}
	return nil
}

// timeAll runs every case n times: round after round, each round in a new
// random order, counting token requests around each run.
func (s *suite) timeAll() error {
	rng := rand.New(rand.NewPCG(1, 2))
	order := make([]*tcase, len(s.cases))
	copy(order, s.cases)
	for i := range s.o.n {
		rng.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
		for _, c := range order {
			before := s.srv.Hits()
			wall, cpu, err := s.runOnce(c, s.devnull, s.devnull)
			if err != nil {
				return err
			}
			c.hits += s.srv.Hits() - before
			c.wall = append(c.wall, wall)
			c.cpu = append(c.cpu, cpu)
		}
		if (i+1)%max(1, s.o.n/5) == 0 {
			logf("timed %d/%d rounds", i+1, s.o.n)
		}
	}
	return nil
}

// rssAll measures peak RSS through /usr/bin/time, which starts its child
// with fork from a small process. ru_maxrss of a child that Go starts is
// useless here: Go forks with CLONE_VM|CLONE_VFORK, and exec folds the
// high-water mark of the mm it leaves (the driver's, tens of MiB) into the
// child's maxrss.
func (s *suite) rssAll() error {
	if s.timeBin == "" {
		return nil
	}
	rssFile := filepath.Join(s.tmp, "rss")
	for _, c := range s.cases {
		for range s.o.rssN {
			in := s.devnull
			if c.stdinFile != "" {
				f, err := os.Open(c.stdinFile)
				if err != nil {
					return err
				}
				in = f
			}
			cmd := exec.Command(s.timeBin, append([]string{"-f", "%M", "-o", rssFile, c.bin}, c.args...)...)
			cmd.Env, cmd.Stdin, cmd.Stdout, cmd.Stderr = c.env, in, s.devnull, s.devnull
			err := cmd.Run()
			if in != s.devnull {
				in.Close()
			}
			if err != nil {
				return fmt.Errorf("rss of %s: %v", c.label, err)
			}
			data, err := os.ReadFile(rssFile)
			if err != nil {
				return err
			}
			kib, err := strconv.ParseInt(strings.TrimSpace(lastLine(string(data))), 10, 64)
			if err != nil {
				return fmt.Errorf("rss of %s: /usr/bin/time wrote %q", c.label, data)
			}
			c.rssKiB = append(c.rssKiB, kib)
		}
	}
	return nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// median is the middle value (mean of the two middle ones for an even
// count).
func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// p95 is the nearest-rank 95th percentile.
func p95(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[int(math.Ceil(0.95*float64(len(s))))-1]
}

func maxRSS(c *tcase) int64 {
	if len(c.rssKiB) == 0 {
		return 0
	}
	return slices.Max(c.rssKiB)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/1e6) }

// checkers for the warm-up runs.

func (s *suite) wantIssued(tok string) error {
	if !slices.Contains(s.srv.Issued(), tok) {
		return fmt.Errorf("printed %q, not a token the endpoint issued", tok)
	}
	return nil
}

func (s *suite) checkRaw(stdout, stderr string) error {
	if stderr != "" {
		return fmt.Errorf("stderr: %q", stderr)
	}
	return s.wantIssued(strings.TrimSuffix(stdout, "\n"))
}

func (s *suite) checkContains(prefix, suffix string) func(stdout, stderr string) error {
	return func(stdout, stderr string) error {
		if stderr != "" {
			return fmt.Errorf("stderr: %q", stderr)
		}
		_, after, ok := strings.Cut(stdout, prefix)
		if !ok {
			return fmt.Errorf("output %q lacks %q", stdout, prefix)
		}
		tok, _, ok := strings.Cut(after, suffix)
		if !ok {
			return fmt.Errorf("output %q lacks %q after the token", stdout, suffix)
		}
		return s.wantIssued(tok)
	}
}

func checkPrefix(prefix string) func(stdout, stderr string) error {
	return func(stdout, stderr string) error {
		if !bytes.HasPrefix([]byte(stdout), []byte(prefix)) {
			return fmt.Errorf("output %q does not start with %q (stderr %q)", stdout, prefix, stderr)
		}
		return nil
	}
}
