//go:build unix

package fileperm

import (
	"os"
	"path/filepath"
	"testing"
)

func TestOf(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		mode        os.FileMode
		read, write bool
	}{
		{0o600, false, false},
		{0o640, true, false},
		{0o604, true, false},
		{0o620, false, true},
		{0o666, true, true},
	} {
		p := filepath.Join(dir, tt.mode.String())
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, tt.mode); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		got := Of(fi)
		if got.OthersRead != tt.read || got.OthersWrite != tt.write || got.ForeignOwner {
			t.Errorf("Of(mode %#o) = %+v, want OthersRead %v, OthersWrite %v, own file", tt.mode, got, tt.read, tt.write)
		}
		if got.Private() != (!tt.read && !tt.write) {
			t.Errorf("Of(mode %#o).Private() = %v", tt.mode, got.Private())
		}
	}
}
