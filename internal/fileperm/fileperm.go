// Package fileperm tells whether a file nxcred reads is private to the user.
package fileperm

import "os"

// State is what a file's owner and mode allow others.
type State struct {
	// ForeignOwner: the file belongs to another user.
	ForeignOwner bool
	// OthersWrite: group or others may write it.
	OthersWrite bool
	// OthersRead: group or others may read it.
	OthersRead bool
}

// Private reports whether nobody but the user can read or change the file.
func (s State) Private() bool { return !s.ForeignOwner && !s.OthersWrite && !s.OthersRead }

// Modes reports whether permission bits decide who may read a file here
// (Unix). On Windows they do not, so a mode is no evidence of privacy and
// messages do not show one.
const Modes = modes

// Of inspects fi. On Windows, where access is decided by ACLs that the
// per-user folders already restrict, every file counts as private.
func Of(fi os.FileInfo) State { return of(fi) }
