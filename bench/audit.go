//go:build linux

package main

import (
	"bufio"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// touch is one path a process named in a syscall, with every call on it.
type touch struct {
	path  string
	calls []string // "openat ENOENT", "openat ok", ...
}

// auditResult is what one call touched beyond what hello-world touches.
type auditResult struct {
	key, label string
	files      []touch
	connects   []string // connect() targets: a unix socket path or an address
	sockets    int
	err        string
}

var (
	straceLine   = regexp.MustCompile(`^(\d+)\s+(\w+)\((.*)$`)
	straceResume = regexp.MustCompile(`^(\d+)\s+<\.\.\. (\w+) resumed>(.*)$`)
	quoted       = regexp.MustCompile(`"((?:[^"\\]|\\.)*)"`)
	straceResult = regexp.MustCompile(`\)\s+=\s+(-?\d+|\?)(?:\s+(E[A-Z]+))?`)
)

type sysCall struct {
	name, path, result string
}

// trace runs c once under strace -f and returns the syscalls on files and
// sockets, in order.
func (s *suite) trace(c *tcase) ([]sysCall, error) {
	out := filepath.Join(s.tmp, "strace-"+c.key)
	args := append([]string{"-f", "-qq", "-s", "256", "-e", "trace=%file,%network", "-o", out, c.bin}, c.args...)
	cmd := exec.Command("strace", args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = c.env, s.devnull, s.devnull
	cmd.Stdin = s.devnull
	if c.stdinFile != "" {
		f, err := os.Open(c.stdinFile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		cmd.Stdin = f
	}
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("strace %s: %v", c.label, err)
	}
	f, err := os.Open(out)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var calls []*sysCall
	pending := map[string]*sysCall{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := straceResume.FindStringSubmatch(line); m != nil {
			if p := pending[m[1]+" "+m[2]]; p != nil {
				p.result = resultOf(m[3])
				delete(pending, m[1]+" "+m[2])
			}
			continue
		}
		m := straceLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		call := &sysCall{name: m[2]}
		if q := quoted.FindStringSubmatch(m[3]); q != nil {
			call.path = strings.ReplaceAll(q[1], s.tmp, "$TMP")
		}
		if strings.HasSuffix(line, "<unfinished ...>") {
			pending[m[1]+" "+m[2]] = call
		} else {
			call.result = resultOf(m[3])
		}
		calls = append(calls, call)
	}
	res := make([]sysCall, 0, len(calls))
	for _, c := range calls {
		res = append(res, *c)
	}
	return res, sc.Err()
}

func resultOf(tail string) string {
	m := straceResult.FindStringSubmatch(tail)
	switch {
	case m == nil:
		return "?"
	case m[2] != "":
		return m[2]
	}
	return "ok"
}

// netCalls are the socket syscalls strace's %network class shows; they act
// on a descriptor, so any path in their arguments is not a file touch.
var netCalls = map[string]bool{
	"socket": true, "socketpair": true, "connect": true, "bind": true, "listen": true,
	"accept": true, "accept4": true, "getsockname": true, "getpeername": true,
	"setsockopt": true, "getsockopt": true, "sendto": true, "recvfrom": true,
	"sendmsg": true, "recvmsg": true, "sendmmsg": true, "recvmmsg": true, "shutdown": true,
}

// audit traces one call of each hit case (and the keyring probes) and keeps
// what hello-world does not do itself; for a keyring case, also what the
// keyring alone (keyringprobe) does, so what is left is nxcred's own.
func (s *suite) audit() {
	if !s.straceOK {
		return
	}
	count := func(key string) (map[string]int, error) {
		calls, err := s.trace(s.caseByKey(key))
		m := map[string]int{}
		for _, c := range calls {
			m[c.name+" "+c.path]++
		}
		return m, err
	}
	floor, err := count("hello")
	if err != nil {
		s.note("audit skipped: %v", err)
		return
	}
	probes := map[string]map[string]int{}
	// Probes first: a keyring case subtracts its probe's calls.
	order := slices.Clone(s.cases)
	slices.SortStableFunc(order, func(a, b *tcase) int {
		pa, pb := strings.HasPrefix(a.key, "probe-"), strings.HasPrefix(b.key, "probe-")
		switch {
		case pa && !pb:
			return -1
		case pb && !pa:
			return 1
		}
		return 0
	})
	for _, c := range order {
		if !c.hit && !strings.HasPrefix(c.key, "probe-") {
			continue
		}
		r := auditResult{key: c.key, label: c.label}
		calls, err := s.trace(c)
		if err != nil {
			r.err = err.Error()
			s.audits = append(s.audits, r)
			continue
		}
		left := maps.Clone(floor)
		if p := probes[strings.Replace(c.key, "token-", "probe-", 1)]; p != nil {
			r.label += ", less what the keyring alone does"
			for k, v := range p {
				left[k] += v
			}
		}
		own := map[string]int{}
		byPath := map[string]*touch{}
		for _, sc := range calls {
			k := sc.name + " " + sc.path
			if left[k] > 0 {
				left[k]--
				continue
			}
			own[k]++
			switch {
			case sc.name == "execve":
				continue
			case sc.name == "socket":
				r.sockets++
				continue
			case sc.name == "connect":
				r.connects = append(r.connects, sc.path)
				continue
			case netCalls[sc.name], sc.path == "":
				continue
			}
			t := byPath[sc.path]
			if t == nil {
				t = &touch{path: sc.path}
				byPath[sc.path] = t
			}
			t.calls = append(t.calls, sc.name+" "+sc.result)
		}
		if strings.HasPrefix(c.key, "probe-") {
			probes[c.key] = own
		}
		for _, t := range byPath {
			r.files = append(r.files, *t)
		}
		slices.SortFunc(r.files, func(a, b touch) int { return strings.Compare(a.path, b.path) })
		s.audits = append(s.audits, r)
	}
}
