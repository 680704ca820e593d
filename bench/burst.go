//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// burstSeries is one kind of burst repeated over rounds.
type burstSeries struct {
	key, label string
	walls      []time.Duration
	hits       []int // token requests per round
	tokens     []int // distinct outputs per round
}

// burstOnce starts s.o.procs copies of bin together and waits for all of
// them. The goroutines wait on one channel, so the starts are as close
// together as the runtime allows (Go forks one at a time under
// syscall.ForkLock, which the floor burst pays the same way).
func (s *suite) burstOnce(bin string, args, env []string) (time.Duration, []string, error) {
	k := s.o.procs
	dir := filepath.Join(s.tmp, "burst")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, nil, err
	}
	cmds := make([]*exec.Cmd, k)
	files := make([]*os.File, k)
	defer func() {
		for _, f := range files {
			if f != nil {
				f.Close()
			}
		}
	}()
	for i := range k {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("out-%d", i)))
		if err != nil {
			return 0, nil, err
		}
		files[i] = f
		cmds[i] = &exec.Cmd{Path: bin, Args: append([]string{filepath.Base(bin)}, args...), Env: env, Stdin: s.devnull, Stdout: f, Stderr: f}
	}
	start := make(chan struct{})
	errs := make([]error, k)
	var ready, done sync.WaitGroup
	for i := range k {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			if err := cmds[i].Start(); err != nil {
				errs[i] = err
				return
			}
			errs[i] = cmds[i].Wait()
		}()
	}
	ready.Wait()
	time.Sleep(20 * time.Millisecond)
	t0 := time.Now()
	close(start)
	done.Wait()
	wall := time.Since(t0)
	outs := make([]string, k)
	for i := range k {
		data, _ := os.ReadFile(files[i].Name())
		outs[i] = string(data)
		if errs[i] != nil {
			return 0, nil, fmt.Errorf("process %d of the burst: %v: %s", i, errs[i], strings.TrimSpace(outs[i]))
		}
	}
	return wall, outs, nil
}

// runBursts alternates a burst of hello-worlds (what starting that many
// processes costs here) with a burst of nxcred token on a cold cache.
func (s *suite) runBursts() error {
	floor := &burstSeries{key: "burst-hello", label: fmt.Sprintf("%d × hello-world in parallel (start cost)", s.o.procs)}
	warm := &burstSeries{key: "burst-warm", label: fmt.Sprintf("%d × `nxcred token` in parallel, warm cache (all hits)", s.o.procs)}
	cold := &burstSeries{key: "burst-cold", label: fmt.Sprintf("%d × `nxcred token` in parallel, cold cache", s.o.procs)}
	s.bursts = []*burstSeries{floor, warm, cold}
	for r := range s.o.bursts {
		wall, _, err := s.burstOnce(s.hello, nil, s.envVars)
		if err != nil {
			return err
		}
		floor.walls = append(floor.walls, wall)
		floor.hits = append(floor.hits, 0)

		before := s.srv.Hits()
		wall, _, err = s.burstOnce(s.nxcred, []string{"token"}, s.envVars)
		if err != nil {
			return err
		}
		warm.walls = append(warm.walls, wall)
		warm.hits = append(warm.hits, s.srv.Hits()-before)

		if err := s.coldCache(); err != nil {
			return err
		}
		before = s.srv.Hits()
		wall, outs, err := s.burstOnce(s.nxcred, []string{"token"}, s.envVars)
		if err != nil {
			return err
		}
		cold.walls = append(cold.walls, wall)
		cold.hits = append(cold.hits, s.srv.Hits()-before)
		distinct := map[string]bool{}
		for _, o := range outs {
			distinct[o] = true
		}
		cold.tokens = append(cold.tokens, len(distinct))
		logf("burst %d/%d: hello %s, warm nxcred %s, cold nxcred %s with %d token requests and %d distinct answers",
			r+1, s.o.bursts, ms(floor.walls[r]), ms(warm.walls[r]), ms(wall), cold.hits[r], len(distinct))
	}
	return nil
}
