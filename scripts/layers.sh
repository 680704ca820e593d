#!/usr/bin/env bash
# Checks the import direction docs/architecture.md states: every package of
# the module depends (directly or not, as `go list -deps` lists it) only on
# packages of a strictly lower layer. A package not named below counts as a
# leaf, so a new package that imports another of nxcred's fails until it is
# given its layer here and in docs/architecture.md.
set -euo pipefail
cd "$(dirname "$0")/.."
mod=$(go list -m)

layer() {
  case "${1#"$mod"/}" in
    "$mod" | internal/cmd/* | bench | bench/*) echo 0 ;; # programs
    internal/testenv | internal/testenv/*) echo 1 ;; # test support: tests and bench only
    internal/cli) echo 1 ;;
    internal/doctor) echo 2 ;;
    internal/broker) echo 3 ;;
    internal/serve | internal/oauth | internal/keyring | internal/protocol | internal/setup | internal/clilog | internal/childenv) echo 4 ;;
    internal/config | internal/cache) echo 5 ;;
    *) echo 6 ;; # leaves: token, host, hint, redact, atomicfile, ...
  esac
}

bad=0
pkgs=$(go list ./...)
for pkg in $pkgs; do
  lp=$(layer "$pkg")
  deps=$(go list -deps "$pkg")
  for dep in $deps; do
    [[ $dep == "$mod" || $dep == "$mod"/* ]] && [[ $dep != "$pkg" ]] || continue
    ld=$(layer "$dep")
    if ((ld <= lp)); then
      echo "${pkg#"$mod"/} (layer $lp) depends on ${dep#"$mod"/} (layer $ld)"
      bad=1
    fi
  done
done
if ((bad)); then
  echo "import direction broken: see docs/architecture.md" >&2
  exit 1
fi
echo "import direction holds: every package depends only on lower layers"
