#!/usr/bin/env bash
# Installs what the build needs (Debian packages, only if missing), configures and builds.
# Idempotent: a second run only rebuilds what changed.
#
#   scripts/setup.sh [--build-dir DIR] [--sanitize address,undefined|thread] [--target T]... [--tests]
# (--tests: also what the tests need: Chromium for the dashboard's browser test, s3rver for
# the S3 tests.)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir="$root/build"
sanitize=""
targets=()
tests=""
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir=$2; shift 2 ;;
    --sanitize) sanitize=$2; shift 2 ;;
    --target) targets+=(--target "$2"); shift 2 ;;
    --tests) tests=1; shift ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

# Boost 1.81 components we use (not libboost1.81-all-dev: it drags in MPI and Python and
# still lacks json and url; program_options parses the command lines), liburing, OpenSSL (TLS), libcurl (S3-compatible stores), zstd
# (compressed sets), the toolchain, and curl for the black-box checks.
packages=(g++ cmake ninja-build pkg-config curl
  libboost1.81-dev libboost-log1.81-dev libboost-test1.81-dev
  libboost-json1.81-dev libboost-url1.81-dev libboost-program-options1.81-dev liburing-dev libssl-dev
  libcurl4-openssl-dev libzstd-dev)
# The tests also drive the dashboard in a real browser (Chromium, headless), and back up
# to an S3-compatible server (s3rver, from npm: Node.js and npm from Debian if missing).
[ -n "$tests" ] && packages+=(chromium fonts-dejavu-core)
[ -n "$tests" ] && ! command -v npm >/dev/null && packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# s3rver 3.7.1 (pinned), installed once per build directory; the tests start it themselves.
s3rver_option=()
if [ -n "$tests" ]; then
  s3rver="$build_dir/s3rver/node_modules/.bin/s3rver"
  if [ ! -x "$s3rver" ]; then
    echo "setup: installing s3rver (npm) into $build_dir/s3rver"
    mkdir -p "$build_dir/s3rver"
    npm install --prefix "$build_dir/s3rver" --no-audit --no-fund --loglevel=error s3rver@3.7.1 >/dev/null
  fi
  s3rver_option=(-DJETSTRAND_S3RVER="$s3rver")
fi

build_type=RelWithDebInfo
sanitizer_options=()
if [ -n "$sanitize" ]; then
  build_type=Debug
  # A sanitizer build is for the tests: line tables (-g1) are all its reports need, and they
  # keep it smaller on disk than full -g (a CI machine ran out of space linking with -g).
  # The benchmarks are not tests, so they are left out of it.
  sanitizer_options=(-DCMAKE_CXX_FLAGS_DEBUG=-g1 -DJETSTRAND_BUILD_BENCH=OFF)
fi
cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" \
  -DJETSTRAND_SANITIZE="$sanitize" "${sanitizer_options[@]}" "${s3rver_option[@]}" >/dev/null
cmake --build "$build_dir" -j2 "${targets[@]}"
