#!/usr/bin/env bash
# Whole-process benchmark of nxcred: builds it and a hello-world, serves the
# fake token endpoint, times every case and writes docs/performance.md (see
# bench/main.go for what is measured and how). Flags go to the driver:
#
#   bash bench/run.sh            # 100 runs a case, writes docs/performance.md
#   bash bench/run.sh -quick     # 20 runs a case, prints the table only
#   bash bench/run.sh -n 300 -out /tmp/perf.md
#
# curl, GNU time (peak RSS) and strace (the file/network audit) are installed
# when missing and apt-get can; without them the driver skips that part with a
# note. The Secret Service case needs dbus-daemon and gnome-keyring-daemon
# (.ci/run installs them) and is skipped without.
set -euo pipefail
cd "$(dirname "$0")/.."

need=""
command -v curl >/dev/null 2>&1 || need="$need curl"
[ -x /usr/bin/time ] || need="$need time"
command -v strace >/dev/null 2>&1 || need="$need strace"
if [ -n "$need" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "bench: installing$need" >&2
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends $need; } </dev/null >/dev/null 2>&1 ||
    echo "bench: could not install$need; going on without" >&2
fi

exec go run ./bench "$@"
