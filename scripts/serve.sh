#!/usr/bin/env bash
# Sets up, builds and runs `jetstrand serve` (embedded default: instance "default" in
# ./jetstrand-data, http://127.0.0.1:8642). Extra arguments go to `jetstrand serve`.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/setup.sh" --target jetstrand
exec "$root/build/jetstrand" serve "$@"
