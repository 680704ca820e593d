#!/bin/sh
# windows-lane-tests.sh runs inside the Wine root (scripts/windows-lane.sh
# test puts it there): every Windows test binary in /lane, from its package's
# folder of the read-only checkout in /src, one after the other (one
# wineserver; the machine is small). Each binary's -test.v=test2json output,
# exit status and seconds go to /out for the summary.
set -u
cd /lane
cp packages /out/packages
wine --version
# Start the wineserver and the prefix's services once, so the first package
# is not charged for them.
wine cmd /c exit 0 >/dev/null 2>&1
# The root package's TestWindowsHelperExeNames copies the release build.
export NXCRED_EXE='Z:\lane\nxcred.exe'
# internal/wine's test checks that Wine is detected here.
export NXCRED_WINDOWS_LANE=1
run_pkg() {
  (cd "/src/$1" && wine "/lane/$2.test.exe" -test.v=test2json -test.count=1 -test.timeout=6m \
    ${LANE_RUN:+"-test.run=$LANE_RUN"} >"/out/$2.out" 2>&1)
}
while read -r pkg; do
  name=$(echo "$pkg" | sed 's|^\.$|nxcred|; s|/|_|g')
  start=$(date +%s)
  printf '%-24s ' "$pkg"
  run_pkg "$pkg" "$name"
  rc=$?
  # Wine itself, not a test, failed when the binary's connection to the
  # wineserver broke before any test ran (seen once in many runs: "wine
  # client error:0: recvmsg: Connection reset by peer"): start a new
  # wineserver and run the package once more, saying so. A test that ran
  # and failed is never run again.
  if [ $rc != 0 ] && grep -q '^wine client error' "/out/$name.out" && ! grep -q '"Action":"run"' "/out/$name.out"; then
    printf '(wineserver lost: %s; restarted, running again) ' "$(grep -m1 '^wine client error' "/out/$name.out")"
    wineserver -k >/dev/null 2>&1
    wine cmd /c exit 0 >/dev/null 2>&1
    run_pkg "$pkg" "$name"
    rc=$?
  fi
  echo $rc >"/out/$name.rc"
  echo $(($(date +%s) - start)) >"/out/$name.secs"
  if [ $rc = 0 ]; then echo "ok ($(cat "/out/$name.secs")s)"; else echo "FAIL (exit $rc)"; fi
done <packages
