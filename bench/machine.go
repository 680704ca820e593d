//go:build linux

package main

import (
	"debug/buildinfo"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// machine describes where the numbers were taken.
type machine struct {
	cpu, kernel, goVersion, date, revision, load string
	cores                                        int
	virtual                                      bool
}

func (s *suite) machine() machine {
	m := machine{cores: runtime.NumCPU(), goVersion: runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH,
		date: time.Now().UTC().Format("2006-01-02 15:04 UTC"), cpu: "unknown CPU", kernel: "unknown kernel"}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			k, v, ok := strings.Cut(line, ":")
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			switch {
			case ok && k == "model name" && m.cpu == "unknown CPU":
				m.cpu = v
			case ok && k == "flags" && strings.Contains(" "+v+" ", " hypervisor "):
				m.virtual = true
			}
		}
	}
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.kernel = "Linux " + strings.TrimSpace(string(data))
	}
	if data, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(data)); len(f) >= 3 {
			m.load = strings.Join(f[:3], " ")
		}
	}
	m.revision = "unknown revision"
	if rev := gitHead(s.root); rev != "" {
		m.revision = "commit " + rev[:min(12, len(rev))] + " (plus whatever the working tree held uncommitted)"
	}
	if bi, err := buildinfo.ReadFile(s.nxcred); err == nil {
		var rev, modified string
		for _, st := range bi.Settings {
			switch st.Key {
			case "vcs.revision":
				rev = st.Value
			case "vcs.modified":
				modified = st.Value
			}
		}
		if rev != "" {
			m.revision = "commit " + rev[:min(12, len(rev))]
			if modified == "true" {
				m.revision += " with uncommitted changes"
			}
		}
	}
	return m
}

func (m machine) String() string {
	virt := ""
	if m.virtual {
		virt = ", virtual machine"
	}
	return fmt.Sprintf("%s, %d logical CPUs%s; %s; %s", m.cpu, m.cores, virt, m.kernel, m.goVersion)
}

// gitHead reads the commit HEAD points at from .git, without running git.
func gitHead(root string) string {
	head, err := os.ReadFile(filepath.Join(root, ".git", "HEAD"))
	if err != nil {
		return ""
	}
	ref, ok := strings.CutPrefix(strings.TrimSpace(string(head)), "ref: ")
	if !ok {
		return strings.TrimSpace(string(head))
	}
	if data, err := os.ReadFile(filepath.Join(root, ".git", filepath.FromSlash(ref))); err == nil {
		return strings.TrimSpace(string(data))
	}
	packed, _ := os.ReadFile(filepath.Join(root, ".git", "packed-refs"))
	for _, line := range strings.Split(string(packed), "\n") {
		if sha, name, ok := strings.Cut(line, " "); ok && name == ref {
			return sha
		}
	}
	return ""
}
