#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (installing only the packages that are missing), builds,
# and runs one job:
#   demo  explore counter/heartbeat `naive`, print the bug it finds, replay the saved trace
#   test        build everything and run the whole test suite, then `sanitizers`
#   sanitizers  the suite again under ThreadSanitizer (with the native cross-check of every
#               model) and under AddressSanitizer + UBSan
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(g++ cmake ninja-build git libboost-context-dev nlohmann-json3-dev libcli11-dev
          libgtest-dev libtsan2 libasan8 libubsan1)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "quickstart: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

jobs=$(nproc 2>/dev/null || echo 2)

# The suite under each sanitizer (ctest labels tsan and asan), and TSan's verdict on every model
# run natively against the simulator's.
sanitizer_suites() {
  for preset in tsan asan; do
    echo "quickstart: the $preset build"
    cmake --preset "$preset" >/dev/null
    cmake --build --preset "$preset" -j "$jobs"
    ctest --preset "$preset" -j "$jobs"
  done
}

case "${1:-}" in
  demo)
    cmake --preset release >/dev/null
    cmake --build --preset release --target interleave -j "$jobs"
    bin=build/release/cli/interleave
    trace=build/counter_heartbeat-naive.json
    echo
    echo "\$ interleave explore counter_heartbeat --variant naive --strategy random --seed 1 --save $trace"
    status=0
    "$bin" explore counter_heartbeat --variant naive --strategy random --seed 1 --save "$trace" || status=$?
    if [ "$status" -ne 1 ]; then echo "quickstart: expected the naive variant's bug (exit 1), got exit $status" >&2; exit 1; fi
    echo "\$ interleave replay $trace"
    status=0
    "$bin" replay "$trace" || status=$?
    if [ "$status" -ne 1 ]; then echo "quickstart: the replay did not reproduce the bug (exit $status)" >&2; exit 1; fi
    echo
    echo "quickstart: the bug was found, saved and replayed exactly."
    ;;
  test)
    cmake --preset dev >/dev/null
    cmake --build --preset dev -j "$jobs"
    ctest --preset dev -j "$jobs"
    sanitizer_suites
    ;;
  sanitizers)
    sanitizer_suites
    ;;
  *)
    echo "usage: scripts/quickstart.sh demo|test|sanitizers" >&2
    exit 2
    ;;
esac
