//go:build linux

// Command bench measures what one nxcred call costs as a whole process, the
// way kubectl, git, docker and Bazel pay it: fork, exec, Go runtime start,
// package init, the call, exit. From the repository root:
//
//	go run ./bench              # 100 runs a case, writes docs/performance.md
//	go run ./bench -quick       # 20 runs a case, prints the table only
//	bash bench/run.sh [flags]   # the same, installing curl, time and strace if it can
//
// It builds nxcred and bench/hello (stripped, CGO_ENABLED=0) into a temp
// folder, serves internal/oauth/oauthtest in process, gives every child a hermetic
// HOME and XDG_* folders with DBUS_SESSION_BUS_ADDRESS=disabled: (except the
// Secret Service case, which gets a private bus and an unlocked gnome-keyring
// of its own), and then:
//
//   - copies every binary and evicts it from the page cache, because how a
//     binary sits there moves its start by half a millisecond (pagecache.go);
//   - runs every case N times, interleaved (round by round, in a shuffled
//     order) so that a slow spell of the machine hits all cases alike; wall
//     time is Start to Wait of exec.Cmd, with stdin and stdout already open;
//   - counts the fake endpoint's token requests around every single run;
//   - measures peak RSS separately through /usr/bin/time, because a child
//     that Go starts with vfork inherits the driver's own high-water mark in
//     ru_maxrss (Linux exec_mmap folds the old mm's peak into the child's);
//   - runs bursts of 100 parallel calls on a cold cache;
//   - traces one call of each hit case with strace, for files, network and
//     D-Bus;
//   - summarises GODEBUG=inittrace=1 of a cache hit.
//
// The generated part of docs/performance.md sits between two marker lines;
// text outside them is kept, so the hand-written analysis survives a rerun.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

type options struct {
	n         int
	warm      int
	rssN      int
	bursts    int
	procs     int
	out       string
	quick     bool
	plain     bool
	keep      bool
	also      []string
	alsoLabel []string
	binary    string
	pagecache string
}

func main() {
	var o options
	flag.IntVar(&o.n, "n", 100, "timed runs of each case")
	flag.StringVar(&o.out, "out", "docs/performance.md", "markdown file to write the results into (\"\": print only)")
	flag.BoolVar(&o.quick, "quick", false, "20 runs a case, 2 bursts, no file written unless -out is given")
	flag.IntVar(&o.bursts, "bursts", 5, "rounds of the parallel burst")
	flag.IntVar(&o.procs, "procs", 100, "processes in one burst")
	flag.BoolVar(&o.plain, "plain", false, "serve the fake token endpoint over plain http instead of TLS")
	flag.BoolVar(&o.keep, "keep", false, "keep the temp folder (binaries, homes, traces) and print its path")
	flag.StringVar(&o.pagecache, "pagecache", pageCacheEvicted, "page-cache state of every binary before timing: evicted (as after a reboot) or written (as just after cp); see pagecache.go")
	flag.StringVar(&o.binary, "nxcred", "", "time this nxcred binary instead of building one from the tree")
	flag.Func("also", "another binary to time with the arguments and environment of the environment-profile `token` hit, beside the built one (repeatable; for trying a change; only its exit status is checked)", func(v string) error {
		abs, err := filepath.Abs(v)
		if err != nil {
			return err
		}
		if _, err := os.Stat(abs); err != nil {
			return err
		}
		o.also = append(o.also, abs)
		o.alsoLabel = append(o.alsoLabel, v)
		return nil
	})
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "bench: takes no arguments; see -help")
		os.Exit(2)
	}
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if o.quick {
		if !set["n"] {
			o.n = 20
		}
		if !set["bursts"] {
			o.bursts = 2
		}
		if !set["out"] {
			o.out = ""
		}
	}
	if o.pagecache != pageCacheEvicted && o.pagecache != pageCacheWritten {
		fmt.Fprintln(os.Stderr, "bench: -pagecache is evicted or written")
		os.Exit(2)
	}
	if o.n < 1 || o.bursts < 1 || o.procs < 1 {
		fmt.Fprintln(os.Stderr, "bench: -n, -bursts and -procs must be at least 1")
		os.Exit(2)
	}
	o.warm = 5
	o.rssN = min(o.n, 10)
	if o.quick {
		o.warm, o.rssN = 2, min(o.n, 3)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench: error:", err)
		os.Exit(1)
	}
}

// repoRoot is the folder of the go.mod of github.com/nxcred/nxcred, found
// upwards from the current folder.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.Contains(string(data), "module github.com/nxcred/nxcred\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no github.com/nxcred/nxcred go.mod above the current folder; run from the repository")
		}
		dir = parent
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

func run(o options) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "nxcred-bench-")
	if err != nil {
		return err
	}
	if o.keep {
		defer logf("kept %s", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	s := &suite{o: o, root: root, tmp: tmp}
	if s.devnull, err = os.OpenFile(os.DevNull, os.O_RDWR, 0); err != nil {
		return err
	}
	defer s.devnull.Close()
	s.tools()
	if err := s.build(); err != nil {
		return err
	}
	if err := s.startServer(); err != nil {
		return err
	}
	defer s.srv.Close()
	if err := s.prepare(); err != nil {
		return err
	}
	s.startSecretService()
	if s.ss != nil {
		defer s.ss.stop()
	}
	s.defineCases()
	logf("warming up %d cases", len(s.cases))
	if err := s.warmUp(); err != nil {
		return err
	}
	logf("timing %d cases × %d runs", len(s.cases), o.n)
	if err := s.timeAll(); err != nil {
		return err
	}
	logf("peak RSS")
	if err := s.rssAll(); err != nil {
		return err
	}
	logf("bursts of %d", o.procs)
	if err := s.runBursts(); err != nil {
		return err
	}
	logf("strace audit")
	s.audit()
	logf("package init trace")
	s.initTrace()
	if v := s.srv.Violations(); len(v) > 0 {
		s.note("the fake endpoint saw requests that break Nexthink's documented shape: %v", v)
	}

	section, targets := s.report(s.machine())
	fmt.Println(section)
	met := 0
	for _, t := range targets {
		if t.met {
			met++
		}
	}
	logf("%d of %d targets met", met, len(targets))
	if o.out != "" {
		path := o.out
		if !filepath.IsAbs(path) {
			path = filepath.Join(root, path)
		}
		if err := writeReport(path, section); err != nil {
			return err
		}
		logf("wrote %s", path)
	}
	return nil
}
