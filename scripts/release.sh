#!/bin/sh
# release.sh builds nxcred's release archives from this checkout into dist/:
# static, stripped, reproducible binaries for linux, darwin and windows on
# amd64 and arm64, each packed with its git and docker helper names, shell
# completions, install.sh (install.ps1 on Windows), README.md and LICENSE,
# and checksums.txt (sha256sum format). See scripts/release.sh --help.
set -eu

usage() {
	cat <<'EOF'
usage: scripts/release.sh [--out DIR] [--check] [OS/ARCH...]

Builds the release archives (default: all six of linux, darwin, windows on
amd64, arm64) into DIR (default dist/), then writes DIR/checksums.txt.

  nxcred_VERSION_linux_ARCH.tar.gz
  nxcred_VERSION_darwin_ARCH_nokeychain.tar.gz   no cgo, so no macOS Keychain
  nxcred_VERSION_windows_ARCH.zip

  --out DIR   write the archives to DIR (its old nxcred_* archives are removed)
  --check     then build the same archives again from a copy of the tree in
              another folder, with another umask and time zone, and fail
              unless every byte is the same (Go's build cache is shared,
              so this reruns the links and the packing; a build with an
              empty GOCACHE gives the same bytes too)
  -h, --help  show this text

VERSION is `git describe --tags --always --dirty` (or $VERSION); every file
time is the commit's time (or $SOURCE_DATE_EPOCH). The same commit and Go
toolchain give the same archives on any machine.
EOF
}

say() { printf 'release.sh: %s\n' "$*" >&2; }
die() {
	printf 'release.sh: error: %s\n' "$*" >&2
	exit 1
}

out=
check=0
platforms=
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help)
		usage
		exit 0
		;;
	--check) check=1 ;;
	--out)
		[ $# -ge 2 ] && [ -n "$2" ] || die "--out needs a folder (see: scripts/release.sh --help)"
		out=$2
		shift
		;;
	--out=?*) out=${1#--out=} ;;
	*/*) platforms="$platforms $1" ;;
	*) die "unknown argument '$1' (see: scripts/release.sh --help)" ;;
	esac
	shift
done
[ -n "$platforms" ] || platforms="linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64"
for p in $platforms; do
	case $p in
	linux/amd64 | linux/arm64 | darwin/amd64 | darwin/arm64 | windows/amd64 | windows/arm64) ;;
	*) die "unknown platform '$p': want linux, darwin or windows / amd64 or arm64" ;;
	esac
done

# --out is relative to where the user ran the script, not to the checkout.
case ${out:=dist} in /*) ;; *) out=$(pwd)/$out ;; esac
cd "$(dirname "$0")/.." || die "cannot cd to the checkout"
root=$(pwd)
command -v go >/dev/null 2>&1 || die "go is not on PATH"

if [ -z "${VERSION:-}" ]; then
	VERSION=$(git describe --tags --always --dirty 2>/dev/null) ||
		die "git describe failed: run from a git checkout, or set VERSION"
fi
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null) ||
		die "git log failed: run from a git checkout, or set SOURCE_DATE_EPOCH"
fi
# The version goes into file names and the linker's -X: keep it to what both
# take without quoting.
case $VERSION in *[!A-Za-z0-9._+-]* | "" | -*) die "VERSION '$VERSION' may hold only letters, digits and . _ + -" ;; esac
case $SOURCE_DATE_EPOCH in *[!0-9]* | "") die "SOURCE_DATE_EPOCH '$SOURCE_DATE_EPOCH' is not a number of seconds" ;; esac
export VERSION SOURCE_DATE_EPOCH

if command -v sha256sum >/dev/null 2>&1; then
	sha256() { sha256sum "$@"; }
elif command -v shasum >/dev/null 2>&1; then
	sha256() { shasum -a 256 "$@"; }
else
	die "neither sha256sum nor shasum is on PATH"
fi

# The keyring library's init launches a dbus-daemon that never exits when no
# session bus address is set; "disabled:" makes it fail fast instead.
: "${DBUS_SESSION_BUS_ADDRESS:=disabled:}"
export DBUS_SESSION_BUS_ADDRESS

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nxcred-release.XXXXXX") || die "cannot create a temporary folder"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

start=$(date +%s)
mkdir -p "$out" || die "cannot create $out"
rm -f "$out"/nxcred_*.tar.gz "$out"/nxcred_*.zip "$out"/checksums.txt
mkdir "$tmp/host" "$tmp/completions"
GOOS= GOARCH= go build -trimpath -o "$tmp/host/relpack" ./internal/cmd/relpack || die "go build of relpack failed"
hostos=$(GOOS= go env GOOS) && hostarch=$(GOARCH= go env GOARCH) || die "'go env' failed"

# archive_name OS ARCH: the archive's name, and its folder's, without suffix.
archive_name() {
	case $1 in
	darwin) printf 'nxcred_%s_%s_%s_nokeychain' "$VERSION" "$1" "$2" ;;
	*) printf 'nxcred_%s_%s_%s' "$VERSION" "$1" "$2" ;;
	esac
}

host=
for p in $platforms; do
	os=${p%/*} arch=${p#*/}
	exe=
	if [ "$os" = windows ]; then exe=.exe; fi
	bin=$tmp/$(archive_name "$os" "$arch")/nxcred$exe
	# -trimpath and -buildvcs=false keep the folder and the git state out of
	# the binary; the version is the one stamped with -X.
	GOOS=$os GOARCH=$arch CGO_ENABLED=0 go build -trimpath -buildvcs=false \
		-ldflags "-s -w -X main.buildVersion=$VERSION" -o "$bin" . ||
		die "go build for $p failed"
	if [ "$p" = "$hostos/$hostarch" ]; then host=$bin; fi
done
# The completions are the same for every platform: this machine's nxcred
# writes them (built for it only when no archive is for this machine).
if [ -z "$host" ]; then
	host=$tmp/host/nxcred
	GOOS= GOARCH= CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags "-s -w -X main.buildVersion=$VERSION" -o "$host" . ||
		die "go build for this machine failed"
fi
for sh in bash:nxcred.bash zsh:_nxcred fish:nxcred.fish powershell:nxcred.ps1; do
	"$host" completion "${sh%%:*}" >"$tmp/completions/${sh#*:}" || die "nxcred completion ${sh%%:*} failed"
done

# relpack writes archives whose bytes depend only on the files in them.
for p in $platforms; do
	os=${p%/*} arch=${p#*/}
	name=$(archive_name "$os" "$arch")
	exe=
	if [ "$os" = windows ]; then exe=.exe; fi
	bin=$tmp/$name/nxcred$exe
	set -- "$name/nxcred$exe=$bin" "$name/README.md=README.md" "$name/LICENSE=LICENSE"
	for c in "$tmp"/completions/*; do set -- "$@" "$name/completions/${c##*/}=$c"; done
	if [ "$os" = windows ]; then
		# Windows has no usable symlinks: the helper names are copies, and
		# nxcred picks the protocol from the name it runs as.
		set -- "$@" "$name/git-credential-nxcred.exe=$bin" "$name/docker-credential-nxcred.exe=$bin" \
			"$name/install.ps1=install.ps1"
		archive=$out/$name.zip
	else
		set -- "$@" "$name/git-credential-nxcred@nxcred" "$name/docker-credential-nxcred@nxcred" \
			"$name/install.sh=install.sh"
		archive=$out/$name.tar.gz
	fi
	"$tmp/host/relpack" -o "$archive" -mtime "$SOURCE_DATE_EPOCH" "$@" || die "packing $archive failed"
done

# sha256sum's own format, sorted, so `sha256sum -c checksums.txt` checks them.
(cd "$out" && for f in $(ls nxcred_*.tar.gz nxcred_*.zip 2>/dev/null | LC_ALL=C sort); do sha256 "$f"; done) >"$tmp/checksums.txt" ||
	die "could not checksum the archives"
mv "$tmp/checksums.txt" "$out/checksums.txt"
say "built nxcred $VERSION with $(go env GOVERSION) for$(printf " %s" $platforms) in $(($(date +%s) - start)) s:"
(cd "$out" && ls -l nxcred_*.tar.gz nxcred_*.zip 2>/dev/null | awk '{printf "  %9d  %s\n", $5, $NF}') >&2

if [ "$check" = 1 ]; then
	# A copy of the files git would commit (tracked and untracked, not
	# ignored), in another folder: -trimpath must keep that folder out.
	mkdir "$tmp/copy" "$tmp/again"
	git ls-files -z --cached --others --exclude-standard | (cd "$tmp/copy" && xargs -0 sh -c '
		for f; do [ -e "'"$root"'/$f" ] || continue; mkdir -p "./$(dirname "$f")" && cp -p "'"$root"'/$f" "./$f"; done' sh) ||
		die "could not copy the tree for --check"
	say "--check: building again in $tmp/copy"
	# shellcheck disable=SC2086 # $platforms is a list of words
	(umask 077 && cd "$tmp/copy" && TZ=Pacific/Chatham sh scripts/release.sh --out "$tmp/again" $platforms) ||
		die "the second build failed"
	if ! cmp -s "$out/checksums.txt" "$tmp/again/checksums.txt"; then
		diff "$out/checksums.txt" "$tmp/again/checksums.txt" >&2 || true
		die "not reproducible: the second build's archives differ (above)"
	fi
	say "--check: the second build is byte for byte the same ($(wc -l <"$out/checksums.txt" | tr -d ' ') archives)"
fi
