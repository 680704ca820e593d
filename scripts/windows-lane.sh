#!/usr/bin/env bash
# windows-lane.sh: nxcred's Windows build, tested under Wine 10 on Linux.
#
# Debian bookworm's Wine 8 cannot start a Go 1.26 program (its
# bcryptprimitives.dll has no ProcessPrng); Debian trixie's Wine 10 can. So
# the lane keeps a trixie root (debootstrap --variant=minbase, then wine and
# wine64 without recommends: about 1.6 GB, a few minutes once) outside the
# checkout, and runs Windows programs in it with chroot.
#
#   scripts/windows-lane.sh setup
#       Make the root, or check that the one already there is complete.
#   scripts/windows-lane.sh test [PKG]...
#       The lane: build the Windows amd64 test binary of every package with
#       tests, and nxcred.exe with its git and docker names, run them all
#       under Wine, print tests passed, failed and skipped per package (and
#       each skip's reason), and exit 1 if any test failed.
#   scripts/windows-lane.sh run [-C DIR] [-e NAME=VALUE]... -- CMD [ARG]...
#       Run CMD (a shell command of the root; `wine PROGRAM.exe ...` for a
#       Windows program) with DIR (default: the current folder) mounted
#       read-only at /mnt/host, which is also the working folder. The
#       environment is clean: HOME, PATH, WINEPREFIX, WINEDEBUG, and the -e
#       variables. CMD's exit status is run's.
#
# Each `run` and each `test` starts from a fresh copy of a Wine prefix made
# once by setup: a new Windows user, with an empty Credential Manager and
# nothing in %LOCALAPPDATA% (C:\users\root\AppData\Local). Chain the steps that
# share state in one `run`, e.g. to try an unpacked Windows release with a
# fake token endpoint on the machine's loopback (the root shares it):
#
#   go run ./internal/cmd/fake-nexthink &      # prints the client secret and the token URL
#   scripts/windows-lane.sh run -C dist/nxcred_windows_amd64 \
#       -e SECRET=... -e TOKEN_URL=http://127.0.0.1:PORT/oauth2/default/v1/token -- sh -ec '
#     wine nxcred.exe version
#     printf %s "$SECRET" | wine nxcred.exe login --profile demo --instance demo --region eu \
#         --client-id demo-client --token-url "$TOKEN_URL" --client-secret-stdin
#     wine nxcred.exe token --profile demo'
#
# Variables:
#   NXCRED_WINE_ROOT    the root (default /var/cache/nxcred-wine/trixie); never
#                       inside the checkout, so a new clone reuses it
#   NXCRED_WINE_MIRROR  the Debian mirror (default: the first Debian archive in
#                       apt's sources on this machine)
#   NXCRED_WINE_JOBS    test binaries built in parallel (default: CPUs)
#   NXCRED_WINE_RUN     test: only the tests matching this -test.run pattern
#   NXCRED_WINE_LOGS    test: where each package's -test.v output is kept
#                       (default /tmp/nxcred-windows-lane-logs)
#
# Needs root, unshare, chroot and mount. Safety, because the root is kept and
# a bind mount of the machine's /dev into it would let any later removal under
# the root delete the machine's device nodes: everything that is mounted in
# the root (its own tmpfs /dev with a few nodes made by mknod, its own /proc,
# a tmpfs /tmp, the read-only folders) is mounted inside a private mount and
# PID namespace (unshare), so it is invisible outside and dies with the
# command; inside, a trap stops wineserver and unmounts (lazily if busy) on
# every exit. The machine's /dev is never mounted there. Nothing here ever
# deletes the root. To start over, first check that nothing is mounted under
# it (grep nxcred-wine /proc/mounts prints nothing), then remove
# NXCRED_WINE_ROOT by hand.
set -euo pipefail

ROOT="${NXCRED_WINE_ROOT:-/var/cache/nxcred-wine/trixie}"
ROOT="${ROOT%/}"
SELF="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
REPO="$(cd "$(dirname "$0")/.." && pwd)"
# Bump when the root's recipe changes, so setup completes old roots.
RECIPE=1
READY="$ROOT/var/lib/nxcred-wine/ready"
PREFIX_TEMPLATE=/var/lib/nxcred-wine/prefix-$RECIPE # inside the root

say() { printf 'windows-lane: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

usage() {
  sed -n '2,/^set -euo/p' "$SELF" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

need_root() {
  [ "$(id -u)" = 0 ] || die "needs root (chroot, mount, mknod)"
  for c in unshare chroot mount mknod; do
    command -v "$c" >/dev/null || die "$c is missing"
  done
  case "$ROOT" in
    "$REPO" | "$REPO"/*) die "NXCRED_WINE_ROOT=$ROOT is inside the checkout; keep it outside" ;;
    / | "") die "NXCRED_WINE_ROOT must not be /" ;;
  esac
}

# The Debian archive apt on this machine uses, for debootstrap.
apt_mirror() {
  {
    grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{for (i = 2; i <= NF; i++) print $i}'
    grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
      sed 's/\[[^]]*\]//' | awk '{print $2}'
  } | grep -E '^https?://[^ ]*/debian/?$' | head -n 1
}

# ---- inside the namespace ------------------------------------------------

# ns_enter runs "$SELF" __inner ARGS in new mount and PID namespaces: every
# mount made there is private to it and vanishes with it, and wineserver
# dies with it at the latest.
ns_enter() {
  exec unshare --mount --propagation private --pid --fork --kill-child -- "$SELF" __inner "$@"
}

# Mounts made by inner_mount, innermost last, for the trap.
MOUNTED=()

inner_mount() {
  mount "$@"
  MOUNTED+=("${!#}")
}

# inner_cleanup stops Wine and unmounts everything this namespace mounted in
# the root, lazily when busy. It never removes a file under the root.
inner_cleanup() {
  local rc=$? i
  trap - EXIT INT TERM
  if [ -x "$ROOT/usr/bin/wineserver" ] && [ -e "$ROOT/proc/self" ]; then
    chroot "$ROOT" /usr/bin/env -i HOME=/root WINEPREFIX="${WINEPREFIX_IN:-/root/.wine}" \
      timeout 20 /usr/bin/wineserver -k >/dev/null 2>&1 || true
    chroot "$ROOT" /usr/bin/env -i HOME=/root WINEPREFIX="${WINEPREFIX_IN:-/root/.wine}" \
      timeout 20 /usr/bin/wineserver -w >/dev/null 2>&1 || true
  fi
  for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
    umount "${MOUNTED[$i]}" 2>/dev/null || umount -l "${MOUNTED[$i]}" 2>/dev/null ||
      say "warning: could not unmount ${MOUNTED[$i]}"
  done
  MOUNTED=()
  exit "$rc"
}

# inner_setup_fs gives the root its own /dev, /proc and /tmp. ro_dirs are
# HOST:INSIDE pairs mounted read-only, rw_dirs the same writable.
inner_setup_fs() {
  trap inner_cleanup EXIT
  trap 'exit 130' INT TERM
  local d="$ROOT/dev"
  mkdir -p "$d" "$ROOT/proc" "$ROOT/tmp"
  # A fresh tmpfs, never the machine's devtmpfs.
  inner_mount -t tmpfs -o mode=0755,nosuid,size=64m nxcred-dev "$d"
  mknod -m 666 "$d/null" c 1 3
  mknod -m 666 "$d/zero" c 1 5
  mknod -m 666 "$d/full" c 1 7
  mknod -m 666 "$d/random" c 1 8
  mknod -m 666 "$d/urandom" c 1 9
  mknod -m 666 "$d/tty" c 5 0
  mkdir -m 1777 "$d/shm"
  mkdir -m 0755 "$d/pts"
  ln -s /proc/self/fd "$d/fd"
  ln -s /proc/self/fd/0 "$d/stdin"
  ln -s /proc/self/fd/1 "$d/stdout"
  ln -s /proc/self/fd/2 "$d/stderr"
  # A new devpts instance, private to the root, for programs that want a pty.
  if mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 nxcred-pts "$d/pts" 2>/dev/null; then
    MOUNTED+=("$d/pts")
    ln -s pts/ptmx "$d/ptmx"
  fi
  # This PID namespace's own proc: only the lane's processes.
  inner_mount -t proc -o nosuid,nodev,noexec nxcred-proc "$ROOT/proc"
  # A fresh /tmp: no wineserver socket survives from an earlier run.
  inner_mount -t tmpfs -o mode=1777,nosuid,nodev,size=4g nxcred-tmp "$ROOT/tmp"
}

inner_bind() { # HOST INSIDE ro|rw
  mkdir -p "$ROOT$2"
  inner_mount --bind "$1" "$ROOT$2"
  if [ "$3" = ro ]; then
    mount -o remount,bind,ro "$ROOT$2"
  fi
}

# inner_chroot runs a command in the root with a clean environment.
inner_chroot() {
  chroot "$ROOT" /usr/bin/env -i \
    HOME=/root USER=root LANG=C.UTF-8 TERM=dumb XDG_RUNTIME_DIR=/tmp \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    WINEPREFIX="${WINEPREFIX_IN:-/root/.wine}" WINEDEBUG=-all \
    WINEDLLOVERRIDES='mscoree,mshtml=' \
    "${EXTRA_ENV[@]}" "$@"
}
EXTRA_ENV=()

# inner_fresh_prefix lays a tmpfs over the template prefix (overlayfs, or a
# copy where there is none), so each command starts as a new Windows user
# and nothing it writes reaches the root.
inner_fresh_prefix() {
  WINEPREFIX_IN=/tmp/wineprefix
  local t="$ROOT/tmp"
  mkdir -p "$t/wineprefix" "$t/.prefix-upper" "$t/.prefix-work"
  if ! mount -t overlay -o "lowerdir=$ROOT$PREFIX_TEMPLATE,upperdir=$t/.prefix-upper,workdir=$t/.prefix-work" \
    nxcred-prefix "$t/wineprefix" 2>/dev/null; then
    cp -a "$ROOT$PREFIX_TEMPLATE/." "$t/wineprefix/"
    return
  fi
  MOUNTED+=("$t/wineprefix")
}

inner() {
  local what="$1"
  shift
  case "$what" in
    install)
      inner_setup_fs
      local mirror="$1"
      # force-unsafe-io: dpkg skips its fsyncs, a root that a crash would
      # leave half made is made again (setup checks its marker).
      inner_chroot sh -ec "
        export DEBIAN_FRONTEND=noninteractive
        echo force-unsafe-io >/etc/dpkg/dpkg.cfg.d/nxcred-unsafe-io
        printf 'deb $mirror trixie main\n' >/etc/apt/sources.list
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends wine wine64 ca-certificates </dev/null >/dev/null
        apt-get clean"
      # The prefix every run starts from: wineboot's first start takes tens
      # of seconds, so it is paid once, here. Made on the namespace's tmpfs,
      # then copied in under a new name and renamed, so a failed setup
      # never leaves a half prefix under the final name.
      WINEPREFIX_IN=/tmp/wineprefix
      inner_chroot sh -ec "wineboot -i >/dev/null 2>&1
        wineserver -w
        test -f /tmp/wineprefix/system.reg
        if [ ! -d '$PREFIX_TEMPLATE' ]; then
          cp -a /tmp/wineprefix '$PREFIX_TEMPLATE.partial-$$'
          mv '$PREFIX_TEMPLATE.partial-$$' '$PREFIX_TEMPLATE'
        fi
        wine --version"
      ;;
    run)
      local dir="$1"
      shift
      while [ "$1" != -- ]; do
        EXTRA_ENV+=("$1")
        shift
      done
      shift
      inner_setup_fs
      inner_fresh_prefix
      inner_bind "$dir" /mnt/host ro
      inner_chroot sh -c 'cd /mnt/host && exec "$@"' sh "$@"
      ;;
    lane)
      local bin="$1" out="$2"
      EXTRA_ENV+=("LANE_RUN=$3")
      inner_setup_fs
      inner_fresh_prefix
      inner_bind "$REPO" /src ro
      inner_bind "$bin" /lane ro
      inner_bind "$out" /out rw
      inner_chroot sh /lane/run-tests.sh
      ;;
    *) die "unknown inner step $what" ;;
  esac
}

# ---- outside ---------------------------------------------------------------

root_ready() { [ -f "$READY" ] && [ "$(cat "$READY")" = "$RECIPE" ] && [ -d "$ROOT$PREFIX_TEMPLATE" ]; }

setup() {
  need_root
  if root_ready; then
    say "reusing $ROOT ($(chroot "$ROOT" dpkg-query -W -f '${Version}' wine 2>/dev/null || echo '?'))"
    return
  fi
  local mirror="${NXCRED_WINE_MIRROR:-$(apt_mirror)}"
  [ -n "$mirror" ] || die "no Debian mirror in /etc/apt/sources.list*; set NXCRED_WINE_MIRROR"
  if ! command -v debootstrap >/dev/null; then
    say "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap </dev/null >/dev/null ||
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap </dev/null >/dev/null; }
  fi
  local avail
  avail=$(df -Pk "$(dirname "$ROOT")" 2>/dev/null | awk 'NR == 2 {print $4}') || true
  if [ -n "$avail" ] && [ "$avail" -lt 3000000 ]; then
    die "under 3 GB free for $ROOT; the root needs about 1.6 GB"
  fi
  mkdir -p "$ROOT"
  if [ ! -f "$ROOT/var/lib/nxcred-wine/debootstrap-done" ]; then
    say "debootstrap trixie into $ROOT from $mirror (a few minutes, once)"
    # In its own mount namespace too: debootstrap mounts proc and sys in
    # the target, and nothing of that may outlive it.
    unshare --mount --propagation private -- \
      debootstrap --variant=minbase trixie "$ROOT" "$mirror" >"$ROOT.debootstrap.log" 2>&1 ||
      die "debootstrap failed; see $ROOT.debootstrap.log (running setup again continues)"
    mkdir -p "$ROOT/var/lib/nxcred-wine"
    touch "$ROOT/var/lib/nxcred-wine/debootstrap-done"
  fi
  say "installing wine and wine64 in the root"
  unshare --mount --propagation private --pid --fork --kill-child -- "$SELF" __inner install "$mirror"
  echo "$RECIPE" >"$READY"
  say "root ready: $ROOT"
}

run_cmd() {
  local dir=. envs=()
  while [ $# -gt 0 ]; do
    case "$1" in
      -C) dir="$2"; shift 2 ;;
      -e) [[ "$2" == [A-Za-z_]*=* ]] || die "-e wants NAME=VALUE"; envs+=("$2"); shift 2 ;;
      --) shift; break ;;
      *) usage ;;
    esac
  done
  [ $# -gt 0 ] || usage
  [ -d "$dir" ] || die "-C $dir: no such folder"
  dir="$(cd "$dir" && pwd)"
  setup
  ns_enter run "$dir" "${envs[@]}" -- "$@"
}

# lane_name is the file name of a package's logs and test binary: the
# path with / as _, and the root package as nxcred.
lane_name() { echo "$1" | sed 's|^\.$|nxcred|; s|/|_|g'; }

# build_lane puts in $1 the Windows test binary of every package with tests
# (or of the packages given), nxcred.exe and its .exe copies, and
# run-tests.sh, which runs them in the root.
build_lane() {
  local bin="$1" pkgs pkg name mod jobs="${NXCRED_WINE_JOBS:-$(nproc)}"
  shift
  cd "$REPO"
  export GOOS=windows GOARCH=amd64 CGO_ENABLED=0
  pkgs=$(go list -f '{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{end}}' "${@:-./...}")
  mod=$(go list -m)
  say "building $(echo "$pkgs" | wc -l) Windows test binaries and nxcred.exe"
  go build -trimpath -o "$bin/nxcred.exe" .
  cp "$bin/nxcred.exe" "$bin/git-credential-nxcred.exe"
  cp "$bin/nxcred.exe" "$bin/docker-credential-nxcred.exe"
  : >"$bin/packages"
  for pkg in $pkgs; do
    name=${pkg#"$mod"}
    name=${name#/}
    echo "${name:-.}" >>"$bin/packages"
  done
  # go test -c builds one package at a time; build a few at once.
  while read -r pkg; do echo "$(lane_name "$pkg") ./$pkg"; done <"$bin/packages" |
    xargs -P "$jobs" -L 1 sh -c 'go test -c -o "$0/$1.test.exe" "$2"' "$bin"
  cp "$REPO/scripts/windows-lane-tests.sh" "$bin/run-tests.sh"
}

# lane runs the tests of the given packages (default: all) under Wine.
lane() {
  need_root
  command -v go >/dev/null || die "go is not on PATH"
  local work out="${NXCRED_WINE_LOGS:-${TMPDIR:-/tmp}/nxcred-windows-lane-logs}" setup_pid
  work=$(mktemp -d "${TMPDIR:-/tmp}/nxcred-windows-lane.XXXXXX")
  case "$work" in "$ROOT"/*) die "TMPDIR is inside $ROOT; the lane removes its work folder" ;; esac
  # shellcheck disable=SC2064
  trap "rm -rf '$work'" EXIT
  mkdir -p "$work/bin" "$out"
  rm -f "$out"/*.out "$out"/*.json "$out"/*.rc "$out"/*.secs "$out/packages"
  # The first setup mostly waits on the network and the disk, the build on
  # the CPU: they run side by side.
  setup &
  setup_pid=$!
  if ! (build_lane "$work/bin" "$@"); then
    wait "$setup_pid" || true
    die "the Windows build failed"
  fi
  wait "$setup_pid" || die "setup failed"
  say "running the tests under Wine; logs in $out"
  local rc=0
  unshare --mount --propagation private --pid --fork --kill-child -- \
    "$SELF" __inner lane "$work/bin" "$out" "${NXCRED_WINE_RUN:-}" || rc=$?
  summarize "$out" || rc=1
  if [ "$rc" != 0 ]; then
    say "FAILED; the whole -test.v output of each package is in $out"
    return 1
  fi
  say "ok"
}

# summarize prints tests passed, failed and skipped per package, every
# skip's reason, and the output of every failed test, from the test2json
# events of each package; it fails if a package failed.
summarize() {
  local out="$1" pkg name failed=0
  while read -r pkg; do
    name=$(lane_name "$pkg")
    [ -f "$out/$name.out" ] && go tool test2json -t -p "$pkg" <"$out/$name.out" >"$out/$name.json"
  done <"$out/packages"
  printf '\n%-22s %7s %7s %8s %8s\n' package passed failed skipped seconds
  while read -r pkg; do
    name=$(lane_name "$pkg")
    if [ ! -f "$out/$name.json" ]; then
      printf '%-22s %s\n' "$pkg" "did not run"
      failed=1
      continue
    fi
    awk -v pkg="$pkg" -v rc="$(cat "$out/$name.rc")" -v secs="$(cat "$out/$name.secs")" '
      /"Test":/ && /"Action":"pass"/ { p++ }
      /"Test":/ && /"Action":"fail"/ { f++ }
      /"Test":/ && /"Action":"skip"/ { s++ }
      END { printf "%-22s %7d %7d %8d %8s%s\n", pkg, p, f, s, secs, (rc == 0 ? "" : "   exit " rc) }
    ' "$out/$name.json"
    [ "$(cat "$out/$name.rc")" = 0 ] || failed=1
  done <"$out/packages"
  printf '\nskipped, with the reason:\n'
  for f in "$out"/*.json; do events "$f" skip; done
  if [ "$failed" != 0 ]; then
    printf '\nfailed:\n'
    for f in "$out"/*.json; do events "$f" fail; done
  fi
  return "$failed"
}

# events prints, for each test of a test2json file that ended with action
# $2: its name and, for a skip, its last line of output (the reason), for a
# failure, all of it.
events() {
  awk -v want="$2" '
    function field(name,    re) {
      re = "\"" name "\":\"([^\"\\\\]|\\\\.)*\""
      if (!match($0, re)) return ""
      return substr($0, RSTART + length(name) + 4, RLENGTH - length(name) - 5)
    }
    function unjson(s) {
      gsub(/\\n/, "\n", s); gsub(/\\t/, "  ", s); gsub(/\\"/, "\"", s)
      gsub(/\\u003c/, "<", s); gsub(/\\u003e/, ">", s); gsub(/\\u0026/, "\\&", s)
      gsub(/\\\\/, "\\", s)
      return s
    }
    {
      test = field("Test")
      if (test == "") next
      action = field("Action")
      if (action == "output") {
        line = unjson(field("Output"))
        all[test] = all[test] line
        sub(/\n$/, "", line)
        if (line !~ /^ *(=== |--- )/ && line !~ /^ *$/ && line !~ /\.go:[0-9]+: *$/) last[test] = line
      } else if (action == want) {
        if (want == "skip") {
          reason = last[test]
          sub(/^ +/, "", reason)
          printf "  %-44s %s\n", test, reason
        } else if (want == "fail") {
          printf "\n---- %s\n%s", test, all[test]
        }
      }
    }' "$1"
}

case "${1:-}" in
  setup) setup ;;
  run) shift; run_cmd "$@" ;;
  test) shift; lane "$@" ;;
  __inner) shift; inner "$@" ;;
  *) usage ;;
esac
