//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
)

// initPkg is one package's init over several runs of GODEBUG=inittrace=1.
type initPkg struct {
	name          string
	clock, at     []float64 // ms
	bytes, allocs int64
}

// initProfile sums up the package inits of one program.
type initProfile struct {
	runs int
	pkgs []*initPkg // in init order
	// done is when the last init ended (main.main starts), median, ms after
	// the runtime's start.
	done float64
}

// initReport compares a cache hit's package init with hello-world's.
type initReport struct {
	hit, floor initProfile
	err        string
}

var initLine = regexp.MustCompile(`(?m)^init (\S+) @([0-9.]+) ms, ([0-9.]+) ms clock, ([0-9]+) bytes, ([0-9]+) allocs$`)

func (s *suite) initTrace() {
	runs := 20
	if s.o.quick {
		runs = 5
	}
	var err error
	if s.inits.hit, err = s.initProfileOf(s.caseByKey("token-env"), runs); err == nil {
		s.inits.floor, err = s.initProfileOf(s.caseByKey("hello"), runs)
	}
	if err != nil {
		s.inits.err = err.Error()
	}
}

func (s *suite) initProfileOf(c *tcase, runs int) (initProfile, error) {
	p := initProfile{runs: runs}
	byName := map[string]*initPkg{}
	var dones []float64
	for range runs {
		cmd := exec.Command(c.bin, c.args...)
		cmd.Env = append(c.env[:len(c.env):len(c.env)], "GODEBUG=inittrace=1")
		cmd.Stdin = s.devnull
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = s.devnull, &stderr
		if err := cmd.Run(); err != nil {
			return p, fmt.Errorf("inittrace of %s: %v", c.label, err)
		}
		done := 0.0
		for _, m := range initLine.FindAllStringSubmatch(stderr.String(), -1) {
			pk := byName[m[1]]
			if pk == nil {
				pk = &initPkg{name: m[1]}
				byName[m[1]] = pk
				p.pkgs = append(p.pkgs, pk)
			}
			at, _ := strconv.ParseFloat(m[2], 64)
			clock, _ := strconv.ParseFloat(m[3], 64)
			pk.at = append(pk.at, at)
			pk.clock = append(pk.clock, clock)
			pk.bytes, _ = strconv.ParseInt(m[4], 10, 64)
			pk.allocs, _ = strconv.ParseInt(m[5], 10, 64)
			done = max(done, at+clock)
		}
		dones = append(dones, done)
	}
	p.done = medianF(dones)
	return p, nil
}

func medianF(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// totals are the sums of the per-package medians.
func (p initProfile) totals() (clock float64, bytes, allocs int64) {
	for _, pk := range p.pkgs {
		clock += medianF(pk.clock)
		bytes += pk.bytes
		allocs += pk.allocs
	}
	return
}

// top returns the n packages with the largest key.
func (p initProfile) top(n int, key func(*initPkg) float64) []*initPkg {
	s := slices.Clone(p.pkgs)
	slices.SortStableFunc(s, func(a, b *initPkg) int {
		ka, kb := key(a), key(b)
		switch {
		case ka > kb:
			return -1
		case ka < kb:
			return 1
		}
		return 0
	})
	return s[:min(n, len(s))]
}
