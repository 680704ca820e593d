#!/usr/bin/env bash
# Runs every fuzz target of the module for FUZZTIME each: a count of inputs
# (default 10000x, what CI runs) or a duration. Before a release:
# FUZZTIME=5m scripts/fuzz.sh. CI counts inputs because a duration races
# Go 1.26's fuzz coordinator: on a loaded machine a worker still busy when
# the time is up is reported as a failure, "context deadline exceeded", with
# no input to blame (golang/go#75804, fixed in Go 1.27). A crash writes the
# input under <package>/testdata/fuzz/<Target>/; commit it as a regression
# seed once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime="${FUZZTIME:-10000x}"
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
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -fuzzminimizetime 500x "$pkg" >"$log" 2>&1 || {
      cat "$log"; exit 1; }
    n=$((n + 1))
  done
done
echo "$n fuzz targets ran for $fuzztime each, no failure"
