#!/usr/bin/env bash
# Sets up, builds and runs every test (one CTest test per Boost.Test case).
#   scripts/test.sh [--sanitize address,undefined|thread] [--label L] [--target T]...
# (--target builds only those targets; their tests are the ones that run.)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
sanitize=""
label=()
targets=()
build_dir="$root/build"
while [ $# -gt 0 ]; do
  case "$1" in
    --sanitize) sanitize=$2; build_dir="$root/build-$(echo "$2" | tr ',' '-')"; shift 2 ;;
    --label) label=(-L "$2"); shift 2 ;;
    --target) targets+=(--target "$2"); shift 2 ;;
    *) echo "test.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

"$root/scripts/setup.sh" --tests --build-dir "$build_dir" --sanitize "$sanitize" "${targets[@]}"

if [ "$sanitize" = thread ]; then
  export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$root/tests/tsan.supp ${TSAN_OPTIONS:-}"
  # GCC 12's ThreadSanitizer cannot map its shadow memory under the high mmap
  # randomisation of recent kernels; running without ASLR avoids that.
  runner=(setarch "$(uname -m)" -R)
  # TSan cannot see ordering that goes through the kernel's io_uring rings (one io thread
  # submits, another reaps; liburing is not instrumented), so io_uring on a multi-threaded
  # io_context reports races inside Asio (chriskohlhoff/asio#1430, google/sanitizers#1729).
  # Tests that leave the backend to `auto` use the pool here; the file tests that ask for
  # io_uring explicitly still run it.
  export JETSTRAND_FILE_BACKEND="${JETSTRAND_FILE_BACKEND:-thread_pool}"
  # TSan runs code 5-15x slower: fewer stop-during-reads trials (the plain run does 25 each).
  export JETSTRAND_STOP_TRIALS="${JETSTRAND_STOP_TRIALS:-6}"
else
  runner=()
fi
if [[ "$sanitize" == *address* ]]; then
  export ASAN_OPTIONS="detect_leaks=1 abort_on_error=1 ${ASAN_OPTIONS:-}"
  export UBSAN_OPTIONS="print_stacktrace=1 halt_on_error=1 ${UBSAN_OPTIONS:-}"
fi
cd "$build_dir"
"${runner[@]}" ctest -j2 --output-on-failure --timeout 300 "${label[@]}"
