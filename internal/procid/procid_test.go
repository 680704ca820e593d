package procid

import (
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// A child started by the test prints what it sees of its parent and exits.
func TestMain(m *testing.M) {
	if os.Getenv("PROCID_PRINT_PARENT") == "1" {
		p, ok := Parent()
		if !ok {
			os.Stdout.WriteString("none\n")
		} else {
			os.Stdout.WriteString(p.ID() + " " + p.Name + "\n")
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func supported(t *testing.T) {
	switch runtime.GOOS {
	case "linux", "darwin", "windows":
	default:
		t.Skipf("no process start time on %s", runtime.GOOS)
	}
}

func child() *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "PROCID_PRINT_PARENT=1")
	return cmd
}

// What a child sees as its parent is what this process says of itself,
// every time: the id names the process, not the call.
func TestParentIsTheStartingProcess(t *testing.T) {
	supported(t)
	self, ok := Of(os.Getpid())
	if !ok {
		t.Fatalf("Of(own pid) reports false")
	}
	if !strings.HasPrefix(self.ID(), strconv.Itoa(os.Getpid())+".") || self.Start == 0 {
		t.Fatalf("Of(own pid) = %+v, want the pid and a start time", self)
	}
	if runtime.GOOS != "windows" && !strings.HasPrefix(self.Name, "procid") {
		t.Errorf("Of(own pid).Name = %q, want the test binary's name", self.Name)
	}
	want := self.ID() + " " + self.Name
	for range 2 {
		out, err := child().Output()
		if err != nil {
			t.Fatalf("child: %v", err)
		}
		if got := strings.TrimSpace(string(out)); got != strings.TrimSpace(want) {
			t.Fatalf("child's Parent() = %q, want %q", got, want)
		}
	}
}

// A process started after this one has a later start time: that is what
// tells a reused PID apart.
func TestLaterProcessStartsLater(t *testing.T) {
	supported(t)
	cmd := child()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c, ok := Of(cmd.Process.Pid)
	cmd.Wait()
	self, _ := Of(os.Getpid())
	if ok && c.Start < self.Start {
		t.Fatalf("child started at %d, before its parent (%d)", c.Start, self.Start)
	}
}

func TestOfNoProcess(t *testing.T) {
	for _, pid := range []int{0, -1, 1 << 30} {
		if p, ok := Of(pid); ok {
			t.Errorf("Of(%d) = %+v, true; want false", pid, p)
		}
	}
}

func TestParseStat(t *testing.T) {
	tail := " S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 424242 20 21\n"
	for _, tc := range []struct {
		name, in, wantName string
		want               uint64
		ok                 bool
	}{
		{"plain", "123 (kubectl)" + tail, "kubectl", 424242, true},
		{"name with spaces and parens", "123 (a) b (c d))" + tail, "a) b (c d)", 424242, true},
		{"name with newline", "123 (a\nb)" + tail, "a\nb", 424242, true},
		{"empty name", "123 ()" + tail, "", 424242, true},
		{"no name", "123 kubectl" + tail, "", 0, false},
		{"close before open", "123 )x(" + tail, "", 0, false},
		{"too short", "123 (kubectl) S 1 2 3", "", 0, false},
		{"not a number", "123 (kubectl) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 x 20", "", 0, false},
		{"negative", "123 (kubectl) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 -5 20", "", 0, false},
		{"empty", "", "", 0, false},
		{"too large", "123 (" + strings.Repeat("x", maxStat) + ")" + tail, "", 0, false},
	} {
		name, got, ok := parseStat([]byte(tc.in))
		if got != tc.want || ok != tc.ok || name != tc.wantName {
			t.Errorf("%s: parseStat = %q, %d, %v; want %q, %d, %v", tc.name, name, got, ok, tc.wantName, tc.want, tc.ok)
		}
	}
}

// On Linux the parser reads the real file of this process.
func TestParseStatOfSelf(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Linux only")
	}
	data, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		t.Fatal(err)
	}
	if _, v, ok := parseStat(data); !ok || v == 0 {
		t.Fatalf("parseStat(/proc/self/stat) = %d, %v", v, ok)
	}
}

// /proc/<pid>/stat is outside input: any bytes, no panic, and an answer
// only from a line that has the name in parentheses.
func FuzzParseStat(f *testing.F) {
	f.Add([]byte("123 (kubectl) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 424242 20 21\n"))
	f.Add([]byte("1 ()) ) S"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		name, v, ok := parseStat(data)
		if !ok && (v != 0 || name != "") {
			t.Fatalf("parseStat = %q, %d, false; want zero values when not ok", name, v)
		}
		if ok && (len(data) > maxStat || !strings.Contains(string(data), "("+name+")")) {
			t.Fatalf("parseStat(%q) = %q, %d, true", data, name, v)
		}
	})
}

// Parent runs on every kubectl cache hit.
func BenchmarkParent(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := Parent(); !ok && runtime.GOOS == "linux" {
			b.Fatal("no parent")
		}
	}
}
