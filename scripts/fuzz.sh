#!/usr/bin/env bash
# Runs every fuzz target of the module for FUZZTIME each (default 3s, what
# CI runs). Before a release: FUZZTIME=5m scripts/fuzz.sh. A crash writes the
# input under <package>/testdata/fuzz/<Target>/; commit it as a regression
# seed once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime="${FUZZTIME:-3s}"
export DBUS_SESSION_BUS_ADDRESS="${DBUS_SESSION_BUS_ADDRESS:-disabled:}"
# The log of each run goes to a folder of this run's own: a fixed name in
# /tmp would collide between users and runs.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nxcred-fuzz.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
log="$tmp/fuzz.log"
n=0
for pkg in $(go list ./...); do
  for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
    printf 'fuzz %s %s (%s)\n' "${pkg#github.com/nxcred/nxcred}" "$target" "$fuzztime"
    # -fuzzminimizetime bounds the shrinking of new inputs, which otherwise
    # eats the run on a loaded 2-core machine.
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -fuzzminimizetime 2s "$pkg" >"$log" 2>&1 || {
      cat "$log"; exit 1; }
    n=$((n + 1))
  done
done
echo "$n fuzz targets ran for $fuzztime each, no failure"
