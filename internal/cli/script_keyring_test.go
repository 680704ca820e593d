package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/nxcred/nxcred/internal/config"
	"github.com/nxcred/nxcred/internal/keyring"
	"github.com/rogpeppe/go-internal/testscript"
)

func init() {
	scriptCommands["fileitem"] = cmdFileItem
	scriptCommands["itemkey"] = cmdItemKey
}

// cmdItemKey sets VAR to the keyring item name of a profile with a token
// URL, as keyring.ItemKey gives it, for the scripts that look in a keyring
// with its own tools:
//
//	itemkey VAR PROFILE CLIENT_ID TOKEN_URL
func cmdItemKey(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 4 {
		ts.Fatalf("usage: itemkey VAR PROFILE CLIENT_ID TOKEN_URL")
	}
	ts.Setenv(args[0], keyring.ItemKey(&config.Profile{Name: args[1], ClientID: args[2], TokenURL: args[3]}))
}

// newItemFile is the file backend's name of an item named by keyring.ItemKey:
// nxcred%2F<profile>@<12 hex digits>.
var newItemFile = regexp.MustCompile(`^nxcred%2F(.+)@[0-9a-f]{12}$`)

// cmdFileItem checks the file keyring under $XDG_DATA_HOME/nxcred/keyring
// for the items of a profile:
//
//	fileitem NAME        exactly one item of profile NAME, under its per-configuration name
//	! fileitem NAME      no item of NAME under any name, old or new
//	fileitem -old NAME   an item under the old name, nxcred/NAME
//	! fileitem -old NAME none under the old name
func cmdFileItem(ts *testscript.TestScript, neg bool, args []string) {
	old := len(args) > 0 && args[0] == "-old"
	if old {
		args = args[1:]
	}
	if len(args) != 1 {
		ts.Fatalf("usage: fileitem [-old] NAME")
	}
	name := args[0]
	entries, err := os.ReadDir(filepath.Join(ts.Getenv("XDG_DATA_HOME"), "nxcred", "keyring"))
	if err != nil && !os.IsNotExist(err) {
		ts.Fatalf("%v", err)
	}
	var newItems, oldItems []string
	for _, e := range entries {
		if m := newItemFile.FindStringSubmatch(e.Name()); m != nil && m[1] == name {
			newItems = append(newItems, e.Name())
		}
		if e.Name() == "nxcred%2F"+name {
			oldItems = append(oldItems, e.Name())
		}
	}
	switch {
	case old && neg && len(oldItems) > 0:
		ts.Fatalf("the file keyring holds %s", oldItems[0])
	case old && !neg && len(oldItems) == 0:
		ts.Fatalf("the file keyring holds no item named nxcred/%s", name)
	case !old && neg && len(newItems)+len(oldItems) > 0:
		ts.Fatalf("the file keyring holds %s", strings.Join(append(newItems, oldItems...), ", "))
	case !old && !neg && len(newItems) != 1:
		ts.Fatalf("the file keyring holds %d items of profile %s under the new name, want 1: %q", len(newItems), name, newItems)
	}
}
