#!/bin/sh
# install.sh installs nxcred for the current user (Linux, macOS, WSL), from a
# checkout (building it with the local Go) or from a release archive (no Go
# needed). See ./install.sh --help.
set -eu

usage() {
	cat <<'EOF'
usage: ./install.sh [--prefix DIR] [--archive FILE] [--uninstall]

Installs nxcred from one of:

  a checkout                     builds nxcred with the local Go toolchain
  an unpacked release archive    run ./install.sh inside it; no Go needed
  --archive FILE                 a release archive nxcred_*.tar.gz, checked
                                 against checksums.txt when it lies beside
                                 FILE; no Go needed

and says which. It installs:

  PREFIX/bin/nxcred
  PREFIX/bin/git-credential-nxcred      links to nxcred (git's helper name)
  PREFIX/bin/docker-credential-nxcred   links to nxcred (docker's helper name)
  bash, zsh and fish completions where those shells look for them
  PREFIX/share/nxcred/install-manifest  the list of the files above

then runs the installed `nxcred version`. Running it again replaces the same
files. --uninstall removes exactly the files in the manifest, and the manifest,
then lists what still names nxcred (git, docker, kubeconfig, GOAUTH, Bazel
settings; nxcred's own folders) with the command that removes each.

  --prefix DIR     install under DIR (default: $PREFIX, else ~/.local)
  --archive FILE   install from this release archive
  --uninstall      remove what a previous run installed under the prefix
  -h, --help       show this text

macOS: a checkout is built with cgo (Xcode command line tools) for the
Keychain backend; the release archives for macOS have no Keychain backend.
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
archive=
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
	--archive)
		[ $# -ge 2 ] && [ -n "$2" ] || die "--archive needs a file (see: ./install.sh --help)"
		archive=$2
		shift
		;;
	--archive=?*) archive=${1#--archive=} ;;
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
case $archive in "" | /*) ;; *) archive=$(pwd)/$archive ;; esac
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

# q S: S quoted for a POSIX shell, for a command the user pastes.
q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
# fix TEXT: one thing that still names nxcred; cmd LINE: the command that
# removes it, indented so it can be copied.
found_any=0
fix() {
	if [ "$found_any" = 0 ]; then say "these still name nxcred; each is followed by the command that removes it:"; fi
	found_any=1
	say "- $*"
}
cmd() { printf '    %s\n' "$*" >&2; }
# names_nxcred WORDS: whether one of WORDS is a path or name of nxcred or of
# its helper names, as a client's setting runs it.
names_nxcred() {
	for w in $1; do
		w=${w##*/}
		case ${w%.exe} in nxcred | git-credential-nxcred | docker-credential-nxcred) return 0 ;; esac
	done
	return 1
}

# leftovers lists the settings of git, docker, kubectl, go and Bazel that
# still run nxcred, and nxcred's own folders, each with the command that
# removes it. It changes nothing: those are the user's settings.
leftovers() {
	# No globbing: settings are split into words here, never expanded.
	set +e -f
	home=${HOME:-}
	if command -v git >/dev/null 2>&1; then
		git config --global --get-regexp '^credential\..*helper$' 2>/dev/null >"$tmpdir/git" || : >"$tmpdir/git"
		# One key a line, each key once, the keys whose values run nxcred.
		while IFS= read -r line; do
			names_nxcred "${line#* }" && printf '%s\n' "${line%% *}"
		done <"$tmpdir/git" | awk '!seen[$0]++' >"$tmpdir/gitkeys"
		while IFS= read -r key; do
			# nxcred configure git sets an empty value, then nxcred: when the
			# key holds nothing else, unset it whole, else only nxcred's value.
			others=$(git config --global --get-all "$key" 2>/dev/null | while IFS= read -r v; do
				[ -z "$v" ] || names_nxcred "$v" || echo x
			done)
			fix "git: $key in the global git config runs nxcred"
			if [ -z "$others" ]; then
				cmd "git config --global --unset-all $(q "$key")"
			else
				cmd "git config --global --unset-all $(q "$key") $(q 'nxcred')"
			fi
		done <"$tmpdir/gitkeys"
	fi

	dcfg=${DOCKER_CONFIG:-$home/.docker}/config.json
	if [ -f "$dcfg" ]; then
		# docker's config.json keeps each "host": "nxcred" on one line (or all
		# on one line); credsStore is the key of the same name.
		filter=
		for key in $(grep -oE '"[^"[:space:]]+"[[:space:]]*:[[:space:]]*"nxcred"' "$dcfg" 2>/dev/null | sed -E 's/^"([^"]+)".*/\1/'); do
			if [ "$key" = credsStore ]; then
				fix "docker: credsStore in $dcfg is nxcred"
				filter="$filter, .credsStore"
			else
				fix "docker: credHelpers[\"$key\"] in $dcfg is nxcred"
				filter="$filter, .credHelpers[\"$key\"]"
			fi
		done
		if [ -n "$filter" ]; then
			if command -v jq >/dev/null 2>&1; then
				cmd "(umask 077 && jq $(q "del(${filter#, })") $(q "$dcfg") >$(q "$dcfg.tmp")) && mv $(q "$dcfg.tmp") $(q "$dcfg")"
			else
				cmd "edit $(q "$dcfg") and delete those entries (jq would do it: jq 'del(${filter#, })')"
			fi
		fi
	fi

	if command -v kubectl >/dev/null 2>&1; then
		# kubectl reads the same files as the user's kubectl ($KUBECONFIG or
		# ~/.kube/config) and writes back to the one that holds the entry.
		kubectl config view -o jsonpath='{range .users[*]}{.name}{"\t"}{.user.exec.command}{"\n"}{end}' >"$tmpdir/kusers" 2>/dev/null || : >"$tmpdir/kusers"
		kubectl config view -o jsonpath='{range .contexts[*]}{.name}{"\t"}{.context.user}{"\n"}{end}' >"$tmpdir/kctx" 2>/dev/null || : >"$tmpdir/kctx"
		tab=$(printf '\t')
		while IFS=$tab read -r user command; do
			[ -n "$command" ] && names_nxcred "$command" || continue
			fix "kubeconfig: user $user runs $command"
			cmd "kubectl config delete-user $(q "$user")"
			while IFS=$tab read -r ctx cuser; do
				if [ "$cuser" = "$user" ]; then
					fix "kubeconfig: context $ctx uses user $user"
					cmd "kubectl config delete-context $(q "$ctx")"
				fi
			done <"$tmpdir/kctx"
		done <"$tmpdir/kusers"
	else
		for kc in $(printf '%s\n' "${KUBECONFIG:-$home/.kube/config}" | tr ':' '\n'); do
			[ -f "$kc" ] || continue
			grep -nE '^[[:space:]]*"?command"?[[:space:]]*:[[:space:]]*["'"'"']?([^"'"'"'[:space:]]*/)?nxcred(\.exe)?["'"'"']?[[:space:]]*,?$' "$kc" 2>/dev/null |
				while IFS=: read -r n _; do
					fix "kubeconfig: line $n of $kc runs nxcred"
					cmd "edit $(q "$kc"): delete the user of line $n, and the contexts that use it"
				done
		done
	fi

	if command -v go >/dev/null 2>&1; then
		goauth=$(go env GOAUTH 2>/dev/null) || goauth=
		# GOAUTH is commands separated by ';': keep the ones that are not nxcred.
		keep=$(printf '%s\n' "$goauth" | tr ';' '\n' | while IFS= read -r part; do
			[ -z "$part" ] || names_nxcred "$part" || printf '%s\n' "$part"
		done | paste -sd ';' -)
		if [ -n "$goauth" ] && [ "$keep" != "$goauth" ]; then
			if [ -n "${GOAUTH:-}" ]; then
				fix "go: the GOAUTH environment variable runs nxcred ($goauth): remove it from your shell profile too"
				if [ -n "$keep" ]; then cmd "export GOAUTH=$(q "$keep")"; else cmd "unset GOAUTH"; fi
			else
				fix "go: GOAUTH in $(go env GOENV 2>/dev/null) runs nxcred ($goauth)"
				if [ -n "$keep" ]; then cmd "go env -w $(q "GOAUTH=$keep")"; else cmd "go env -u GOAUTH"; fi
			fi
		fi
	fi

	if [ -f "$home/.bazelrc" ]; then
		lines=$(grep -n 'credential_helper' "$home/.bazelrc" 2>/dev/null | while IFS=: read -r n text; do
			names_nxcred "$(printf '%s' "$text" | tr '=' ' ')" && printf ' -e %sd' "$n"
		done)
		if [ -n "$lines" ]; then
			fix "bazel: $home/.bazelrc runs nxcred as a --credential_helper (line$(printf '%s' "$lines" | sed 's/ -e \([0-9]*\)d/ \1/g'); sed keeps the old file as .bazelrc.bak)"
			cmd "sed -i.bak$lines $(q "$home/.bazelrc")"
		fi
	fi

	# nxcred's own folders: the profiles, the token cache, the file keyring.
	# Secrets in the OS keyring are not files: `nxcred logout --forget` removes
	# a profile's while nxcred is installed.
	if [ "$(uname -s 2>/dev/null)" = Darwin ]; then
		config=$home/Library/Application\ Support cache=$home/Library/Caches data=$config
	else
		config=$home/.config cache=$home/.cache data=$home/.local/share
	fi
	dirs="$(xdg "${XDG_CONFIG_HOME:-}" "$config")/nxcred
$(xdg "${XDG_CACHE_HOME:-}" "$cache")/nxcred
$(xdg "${XDG_DATA_HOME:-}" "$data")/nxcred"
	listed=
	while IFS= read -r d; do
		case "$nl$listed$nl" in *"$nl$d$nl"*) continue ;; esac
		listed="$listed$nl$d"
		if [ -n "$home" ] && [ -d "$d" ]; then
			fix "nxcred's own folder $d (profiles, cached tokens or the file keyring)"
			cmd "rm -rf $(q "$d")"
		fi
	done <<EOF
$dirs
EOF
	if [ "$found_any" = 0 ]; then
		say "nothing else names nxcred (git, docker, kubeconfig, GOAUTH, ~/.bazelrc, nxcred's folders)"
	fi
	set -e +f
}

if [ "$uninstall" = 1 ]; then
	tmpdir=$(mktemp -d "${TMPDIR:-/tmp}/nxcred-install.XXXXXX") || die "cannot create a temporary folder"
	if [ ! -f "$manifest" ]; then
		say "nothing to uninstall: no $manifest"
	else
		while IFS= read -r f || [ -n "$f" ]; do
			[ -z "$f" ] || remove_listed "$f"
		done <"$manifest"
		rm -f "$manifest" || die "could not remove $manifest"
		rmdir "${manifest%/*}" 2>/dev/null || true
		say "removed $manifest"
		say "uninstalled nxcred from $prefix"
	fi
	leftovers
	exit 0
fi

# Where nxcred comes from: a release archive (given, or the folder this script
# was unpacked with) needs no Go; a checkout is built.
here=$(cd "$(dirname "$0")" && pwd) || die "cannot cd to the folder of $0"
tmpdir=$(mktemp -d "${TMPDIR:-/tmp}/nxcred-install.XXXXXX") || die "cannot create a temporary folder"
if [ -n "$archive" ]; then
	[ -f "$archive" ] || die "--archive $archive: no such file"
	case $archive in
	*.tar.gz | *.tgz) ;;
	*.zip) die "$archive is a Windows archive: on Windows, run install.ps1 -Archive $archive in PowerShell" ;;
	*) die "--archive $archive: want a release archive nxcred_VERSION_OS_ARCH.tar.gz" ;;
	esac
	# checksums.txt from the same release, when it lies beside the archive.
	sums=$(dirname "$archive")/checksums.txt
	base=${archive##*/}
	if [ ! -f "$sums" ]; then
		say "warning: no checksums.txt beside $archive, so its SHA-256 is not checked; download checksums.txt of the same release into $(dirname "$archive") to check it"
	else
		want=$(awk -v f="$base" '$2 == f || $2 == "*" f { print $1 }' "$sums")
		if command -v sha256sum >/dev/null 2>&1; then
			got=$(sha256sum <"$archive" | awk '{print $1}')
		else
			got=$(shasum -a 256 <"$archive" | awk '{print $1}')
		fi
		[ -n "$want" ] || die "$sums does not list $base: is it from the same release?"
		[ "$got" = "$want" ] || die "$archive does not match its SHA-256 in $sums (damaged or altered download); not installing it"
		say "$base matches its SHA-256 in $sums"
	fi
	mkdir "$tmpdir/unpacked" && tar -xzf "$archive" -C "$tmpdir/unpacked" ||
		die "could not unpack $archive"
	from=
	for d in "$tmpdir"/unpacked/*/; do
		if [ -f "$d/nxcred" ]; then from=${d%/}; fi
	done
	[ -n "$from" ] || die "$archive holds no nxcred_*/nxcred: not an nxcred release archive"
	say "installing from the release archive $archive (no Go needed)"
elif grep -q '^module github.com/nxcred/nxcred$' "$here/go.mod" 2>/dev/null; then
	from=
	say "installing from the checkout $here (building it with Go)"
elif [ -f "$here/nxcred" ]; then
	from=$here
	say "installing from the unpacked release archive $here (no Go needed)"
else
	die "$here holds neither an nxcred checkout (go.mod) nor a release archive's nxcred: run install.sh from one of them, or pass --archive FILE"
fi

if [ -n "$from" ]; then
	cp "$from/nxcred" "$tmpdir/nxcred" && chmod 755 "$tmpdir/nxcred" || die "could not copy $from/nxcred"
	"$tmpdir/nxcred" version >"$tmpdir/version" 2>/dev/null ||
		die "the nxcred in $from does not run on this machine ($(uname -s)/$(uname -m)): take the archive for this system"
	case $(uname -s) in
	Darwin)
		if ! grep -q keychain "$tmpdir/version"; then
			say "warning: this nxcred has no macOS Keychain backend (release archives are built without cgo); use NXCRED_KEYRING_BACKEND=file or pass, or the environment profile, or build from a checkout with ./install.sh (Go and the Xcode command line tools) for the Keychain"
		fi
		;;
	esac
else
	cd "$here" || die "cannot cd to $here"
	command -v go >/dev/null 2>&1 ||
		die "go is not on PATH; install Go 1.26 or later from https://go.dev/dl/ and run ./install.sh again, or install a release archive (no Go needed)"

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

	say "building nxcred $version for $GOOS/$GOARCH (CGO_ENABLED=$CGO_ENABLED)"
	# shellcheck disable=SC2086 # $buildvcs is empty or one word
	if ! go build $buildvcs -trimpath -ldflags "-s -w -X main.buildVersion=$version" -o "$tmpdir/nxcred" .; then
		die "go build failed (see above)"
	fi
	"$tmpdir/nxcred" version >"$tmpdir/version" || die "the built nxcred does not run: $tmpdir/nxcred version failed"
	if [ "$GOOS" = darwin ] && ! grep -q keychain "$tmpdir/version"; then
		die "the built nxcred lacks the macOS Keychain backend (cgo was not used); not installing it"
	fi
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
# The manifest's folder is nxcred's data folder under the default prefix
# (~/.local/share/nxcred, where the file keyring lives), which nxcred keeps
# 0700: create it so, and close one an older install.sh made 0755.
mkdir -p "${manifest%/*/*}" || die "cannot create the folder ${manifest%/*/*}"
if [ ! -d "${manifest%/*}" ]; then mkdir -m 700 "${manifest%/*}" || die "cannot create the folder ${manifest%/*}"; fi
chmod 700 "${manifest%/*}" || die "cannot make ${manifest%/*} private (chmod 700)"
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
