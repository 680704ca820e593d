#!/bin/sh
# install.sh builds nxcred from this checkout with the local Go and installs it
# for the current user (Linux, macOS, WSL). See ./install.sh --help.
set -eu

usage() {
	cat <<'EOF'
usage: ./install.sh [--prefix DIR] [--uninstall]

Builds nxcred from this checkout with the local Go toolchain and installs:

  PREFIX/bin/nxcred
  PREFIX/bin/git-credential-nxcred      links to nxcred (git's helper name)
  PREFIX/bin/docker-credential-nxcred   links to nxcred (docker's helper name)
  bash, zsh and fish completions where those shells look for them
  PREFIX/share/nxcred/install-manifest  the list of the files above

then runs the installed `nxcred version`. Running it again replaces the same
files. --uninstall removes exactly the files in the manifest, and the manifest.

  --prefix DIR   install under DIR (default: $PREFIX, else ~/.local)
  --uninstall    remove what a previous run installed under the prefix
  -h, --help     show this text

macOS builds need cgo (Xcode command line tools) for the Keychain backend.
Windows: use install.ps1.
EOF
}

say() { printf 'install.sh: %s\n' "$*" >&2; }
die() {
	printf 'install.sh: error: %s\n' "$*" >&2
	exit 1
}

uninstall=0
prefix=${PREFIX:-}
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help)
		usage
		exit 0
		;;
	--uninstall) uninstall=1 ;;
	--prefix)
		[ $# -ge 2 ] || die "--prefix needs a folder (see: ./install.sh --help)"
		prefix=$2
		[ -n "$prefix" ] || die "--prefix needs a folder (see: ./install.sh --help)"
		shift
		;;
	--prefix=*)
		prefix=${1#--prefix=}
		[ -n "$prefix" ] || die "--prefix needs a folder (see: ./install.sh --help)"
		;;
	*) die "unknown argument '$1' (see: ./install.sh --help)" ;;
	esac
	shift
done

nl='
'
# Folders are resolved before the cd below, so a relative --prefix means
# relative to where the user ran the script.
if [ -z "$prefix" ]; then
	[ -n "${HOME:-}" ] || die "HOME is not set; pass --prefix DIR"
	prefix=$HOME/.local
fi
case $prefix in
/*) ;;
*) prefix=$(pwd)/$prefix ;;
esac
while [ "$prefix" != / ] && [ "${prefix%/}" != "$prefix" ]; do prefix=${prefix%/}; done
case $prefix in *"$nl"*) die "the prefix must not contain a newline" ;; esac

# The default prefix is the user's own: completions go to the XDG folders
# bash-completion and fish read for the user. Any other prefix gets the
# package layout under PREFIX/share.
default_prefix=0
if [ -n "${HOME:-}" ] && [ "$prefix" = "$HOME/.local" ]; then default_prefix=1; fi
# xdg VALUE DEFAULT: an XDG folder variable's value, or DEFAULT when it is
# unset or relative (the XDG spec says to ignore relative values).
xdg() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$2" ;; esac; }

bindir=$prefix/bin
manifest=$prefix/share/nxcred/install-manifest
zsh_file=$prefix/share/zsh/site-functions/_nxcred
if [ "$default_prefix" = 1 ]; then
	bash_file=$(xdg "${XDG_DATA_HOME:-}" "$HOME/.local/share")/bash-completion/completions/nxcred
	fish_file=$(xdg "${XDG_CONFIG_HOME:-}" "$HOME/.config")/fish/completions/nxcred.fish
else
	bash_file=$prefix/share/bash-completion/completions/nxcred
	fish_file=$prefix/share/fish/vendor_completions.d/nxcred.fish
fi

# The keyring library's init launches a dbus-daemon that never exits when no
# session bus address is set; "disabled:" makes it fail fast instead.
: "${DBUS_SESSION_BUS_ADDRESS:=disabled:}"
export DBUS_SESSION_BUS_ADDRESS

tmpdir=
partial=
cleanup() {
	if [ -n "$partial" ]; then rm -f "$partial"; fi
	if [ -n "$tmpdir" ]; then rm -rf "$tmpdir"; fi
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# remove_listed FILE: remove one path read from a manifest, but only a file or
# link with a name this script installs, so a damaged manifest cannot make it
# delete anything else.
remove_listed() {
	case $1 in /*) ;; *)
		say "skipping '$1' from the manifest: not an absolute path"
		return 0
		;;
	esac
	case ${1##*/} in
	nxcred | git-credential-nxcred | docker-credential-nxcred | _nxcred | nxcred.fish) ;;
	*)
		say "skipping '$1' from the manifest: not a file install.sh installs"
		return 0
		;;
	esac
	if [ -L "$1" ] || [ -f "$1" ]; then
		rm -f "$1" || die "could not remove $1"
		say "removed $1"
	fi
}

if [ "$uninstall" = 1 ]; then
	if [ ! -f "$manifest" ]; then
		say "nothing to uninstall: no $manifest"
		exit 0
	fi
	while IFS= read -r f || [ -n "$f" ]; do
		[ -z "$f" ] || remove_listed "$f"
	done <"$manifest"
	rm -f "$manifest" || die "could not remove $manifest"
	rmdir "${manifest%/*}" 2>/dev/null || true
	say "removed $manifest"
	say "uninstalled nxcred from $prefix"
	exit 0
fi

cd "$(dirname "$0")" || die "cannot cd to the folder of $0"
grep -q '^module github.com/nxcred/nxcred$' go.mod 2>/dev/null ||
	die "run install.sh from an nxcred checkout (no nxcred go.mod in $(pwd))"
command -v go >/dev/null 2>&1 ||
	die "go is not on PATH; install Go 1.26 or later from https://go.dev/dl/ and run ./install.sh again"

# Build for this machine even if GOOS/GOARCH are set for cross-compiling.
GOOS=$(go env GOHOSTOS) || die "'go env' failed"
GOARCH=$(go env GOHOSTARCH) || die "'go env' failed"
export GOOS GOARCH
case $GOOS in
windows) die "on Windows, run install.ps1 in PowerShell instead" ;;
darwin) CGO_ENABLED=1 ;; # the Keychain backend exists only in cgo builds
*) CGO_ENABLED=0 ;;      # static, no libc dependency
esac
export CGO_ENABLED
if [ "$GOOS" = darwin ]; then
	cc=$(go env CC) || cc=clang
	# shellcheck disable=SC2086 # CC may carry flags, as go itself splits it
	$cc --version >/dev/null 2>&1 ||
		die "macOS builds need cgo for the Keychain backend, and the C compiler '$cc' does not run: install the Xcode command line tools with 'xcode-select --install' and run ./install.sh again"
fi

version=
buildvcs=
if command -v git >/dev/null 2>&1 && [ -e .git ]; then
	version=$(git describe --tags --always --dirty 2>/dev/null) || version=
fi
if [ -z "$version" ]; then
	version=devel
	# Without a working git, go build's VCS stamping fails; the version
	# above is all nxcred reports anyway.
	buildvcs=-buildvcs=false
fi

tmpdir=$(mktemp -d "${TMPDIR:-/tmp}/nxcred-install.XXXXXX") || die "cannot create a temporary folder"
say "building nxcred $version for $GOOS/$GOARCH (CGO_ENABLED=$CGO_ENABLED)"
# shellcheck disable=SC2086 # $buildvcs is empty or one word
if ! go build $buildvcs -trimpath -ldflags "-s -w -X main.buildVersion=$version" -o "$tmpdir/nxcred" .; then
	die "go build failed (see above)"
fi
"$tmpdir/nxcred" version >"$tmpdir/version" || die "the built nxcred does not run: $tmpdir/nxcred version failed"
if [ "$GOOS" = darwin ] && ! grep -q keychain "$tmpdir/version"; then
	die "the built nxcred lacks the macOS Keychain backend (cgo was not used); not installing it"
fi
for sh in bash zsh fish; do
	"$tmpdir/nxcred" completion "$sh" >"$tmpdir/completion.$sh" ||
		die "nxcred completion $sh failed"
done

# prepare DEST: make DEST's folder and refuse to replace a folder (mv would
# move into it).
prepare() {
	mkdir -p "${1%/*}" || die "cannot create the folder ${1%/*}"
	if [ -d "$1" ]; then die "$1 is a folder; move it away and run ./install.sh again"; fi
	partial=${1%/*}/.${1##*/}.install-tmp.$$
	rm -f "$partial"
}

# put SRC DEST MODE: copy to a temporary name beside DEST, then rename, so
# DEST is never half-written.
put() {
	prepare "$2"
	if ! { cp "$1" "$partial" && chmod "$3" "$partial" && mv -f "$partial" "$2"; }; then
		die "could not install $2"
	fi
	partial=
}

# link NAME: BINDIR/NAME -> nxcred (relative, so the prefix can move).
link() {
	prepare "$bindir/$1"
	if ! { ln -s nxcred "$partial" && mv -f "$partial" "$bindir/$1"; }; then
		die "could not create $bindir/$1"
	fi
	partial=
}

# The manifest is written before the files too, listing the new files and
# the old manifest's, so that --uninstall after an interrupted install still
# finds everything; after the install it lists exactly the new files.
for f in "$bindir/nxcred" "$bindir/git-credential-nxcred" "$bindir/docker-credential-nxcred" \
	"$bash_file" "$zsh_file" "$fish_file"; do
	case $f in *"$nl"*) die "cannot install to a path with a newline: $f" ;; esac
	printf '%s\n' "$f"
done >"$tmpdir/manifest"
cp "$tmpdir/manifest" "$tmpdir/manifest.during"
if [ -f "$manifest" ]; then
	while IFS= read -r f || [ -n "$f" ]; do
		if [ -n "$f" ] && ! grep -qxF -e "$f" "$tmpdir/manifest"; then printf '%s\n' "$f"; fi
	done <"$manifest" >"$tmpdir/stale"
	cat "$tmpdir/stale" >>"$tmpdir/manifest.during"
fi
put "$tmpdir/manifest.during" "$manifest" 644

put "$tmpdir/nxcred" "$bindir/nxcred" 755
link git-credential-nxcred
link docker-credential-nxcred
put "$tmpdir/completion.bash" "$bash_file" 644
put "$tmpdir/completion.zsh" "$zsh_file" 644
put "$tmpdir/completion.fish" "$fish_file" 644

# Files an earlier install listed but this one did not install (say, it ran
# with another XDG_DATA_HOME) would otherwise be forgotten by --uninstall.
if [ -f "$tmpdir/stale" ]; then
	while IFS= read -r f; do remove_listed "$f"; done <"$tmpdir/stale"
fi
put "$tmpdir/manifest" "$manifest" 644
say "installed $bindir/nxcred, git-credential-nxcred, docker-credential-nxcred"
say "completions: $bash_file, $zsh_file, $fish_file"

# esc S: S escaped for double quotes, for a line the user pastes into a profile.
esc() { printf '%s' "$1" | sed 's/[\\"$`]/\\&/g'; }
shell=$(basename "${SHELL:-sh}")
case ":${PATH:-}:" in
*":$bindir:"*)
	found=$(command -v nxcred 2>/dev/null) || found=
	if [ -n "$found" ] && [ "$found" != "$bindir/nxcred" ]; then
		say "warning: $found comes before $bindir/nxcred on PATH"
	fi
	;;
*)
	case $shell in
	bash) rc=.bashrc line="export PATH=\"$(esc "$bindir"):\$PATH\"" ;;
	zsh) rc=.zshrc line="export PATH=\"$(esc "$bindir"):\$PATH\"" ;;
	fish) rc=.config/fish/config.fish line="fish_add_path \"$(esc "$bindir")\"" ;;
	*) rc=.profile line="export PATH=\"$(esc "$bindir"):\$PATH\"" ;;
	esac
	say "$bindir is not on PATH; add this line to ~/$rc and open a new shell:"
	printf '\n    %s\n\n' "$line" >&2
	;;
esac
# zsh reads completions only from the folders in $fpath; say so when ours is
# not one of zsh's defaults.
# shellcheck disable=SC2016 # $fpath is for zsh to expand
if [ "$shell" = zsh ] && command -v zsh >/dev/null 2>&1 &&
	! zsh -fc 'print -rl -- $fpath' 2>/dev/null | grep -qxF -e "${zsh_file%/*}"; then
	say "for zsh completion, add this line to ~/.zshrc before compinit:"
	printf '\n    fpath=(%s $fpath)\n\n' "\"$(esc "${zsh_file%/*}")\"" >&2
fi

"$bindir/nxcred" version || die "the installed $bindir/nxcred does not run"
