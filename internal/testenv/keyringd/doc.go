// Package keyringd is the Linux keyring harness of nxcred's tests: a
// private D-Bus session bus with gnome-keyring-daemon on it (a real Secret
// Service that no other test or the user's desktop sees), the keyctl,
// GnuPG and timing commands the keyring scripts use, and the process
// accounting that finds and stops everything a script started.
//
// It is for tests only: nxcred's binary must not link it
// (internal/testenv's TestNotInProgram checks). Its code is in _linux.go
// files; on other systems the package is empty.
package keyringd
