#!/usr/bin/env bash
# Black-box with curl, as a user would: the running binary on 127.0.0.1, every route of
# SPEC §4 with its status code, and bad input that must not bring the server down.
# Usage: curl_routes.sh JETSTRAND_BINARY
set -euo pipefail
bin=$1
dir=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT

"$bin" serve --data "$dir/data" --listen 127.0.0.1:0 --token t0k >"$dir/out" 2>"$dir/err" &
server_pid=$!
for _ in $(seq 1 200); do
  grep -q "serving http" "$dir/out" 2>/dev/null && break
  sleep 0.05
done
url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$dir/out")
failures=0

# expect STATUS METHOD PATH [curl args...]
expect() {
  local want=$1 method=$2 path=$3
  shift 3
  local got
  got=$(curl -s -o "$dir/body" -w '%{http_code}' -X "$method" "$@" "$url$path")
  if [ "$got" != "$want" ]; then
    echo "FAIL: $method $path: $got, expected $want: $(head -c 300 "$dir/body")"
    failures=$((failures + 1))
  else
    echo "ok   $want $method $path"
  fi
}
auth=(-H "Authorization: Bearer t0k")
i=/v1/instances/default

expect 200 GET /healthz
expect 200 GET /                                        # the dashboard page: open
grep -q '<title>jetstrand</title>' "$dir/body" || { echo "FAIL: GET / is not the dashboard"; failures=$((failures + 1)); }
expect 401 GET /v1/openapi.json
expect 200 GET /v1/openapi.json "${auth[@]}"
grep -q '"openapi": "3.1.0"' "$dir/body" || { echo "FAIL: no OpenAPI document"; failures=$((failures + 1)); }
expect 401 GET /metrics
expect 200 GET /metrics "${auth[@]}"
expect 401 GET /v1/instances
expect 200 GET /v1/instances "${auth[@]}"
expect 401 POST /v1/instances -d '{"name":"b"}'
expect 401 POST /v1/instances -d '{"name":"b"}' -H "Authorization: Bearer wrong"
expect 201 POST /v1/instances -d '{"name":"b"}' "${auth[@]}"
expect 400 POST /v1/instances -d '{"name":' "${auth[@]}"
expect 400 POST /v1/instances -d '{"name":"a/b"}' "${auth[@]}"
expect 409 POST /v1/instances -d '{"name":"b"}' "${auth[@]}"
expect 200 GET /v1/instances/b "${auth[@]}"
expect 200 DELETE "/v1/instances/b?mode=complete" "${auth[@]}"
expect 404 GET /v1/instances/b "${auth[@]}"
expect 201 POST $i/databases -d '{"name":"d2"}' "${auth[@]}"
expect 200 PUT $i/databases/default/keys/k1 --data-binary 'v1' "${auth[@]}"
expect 401 GET $i/databases/default/keys/k1
expect 200 GET $i/databases/default/keys/k1 "${auth[@]}"
expect 404 GET $i/databases/default/keys/missing "${auth[@]}"
expect 404 GET $i/databases/nope/keys/k1 "${auth[@]}"
expect 404 GET "$i/databases/default/keys/%2e%2e" "${auth[@]}"
expect 200 PUT "$i/databases/default/keys/user%3A42" --data-binary 'v' "${auth[@]}"
expect 200 GET "$i/databases/default/keys/user%3A42" "${auth[@]}"
expect 200 GET "$i/databases/default/keys?prefix=user&limit=10" "${auth[@]}"
expect 400 GET "$i/databases/default/keys?limit=0" "${auth[@]}"
expect 400 GET "$i/databases/default/keys/$(head -c 256 /dev/zero | tr '\0' k)" "${auth[@]}"
expect 200 PUT "$i/databases/default/keys/lazy?durable=false" --data-binary 'v' "${auth[@]}"
expect 400 GET "/v1/instances/%2e%2e" "${auth[@]}"
expect 200 DELETE $i/databases/default/keys/k1 "${auth[@]}"
expect 409 GET $i/backup "${auth[@]}"
expect 201 POST $i/backup -d '{"incremental":false}' "${auth[@]}"
expect 409 POST $i/backup "${auth[@]}"
expect 200 GET $i/backup "${auth[@]}"
expect 200 PUT $i/backup/max-rate -d '{"max_rate":104857600}' "${auth[@]}"
grep -q '"max_rate":104857600' "$dir/body" || { echo "FAIL: max-rate not in the status"; failures=$((failures + 1)); }
expect 400 PUT $i/backup/max-rate -d '{"max_rate":-1}' "${auth[@]}"
expect 200 PUT $i/backup/max-rate -d '{"max_rate":0}' "${auth[@]}"
expect 200 GET $i/backup/attach-info "${auth[@]}"
expect 401 GET $i/backup/files/default.jdb
expect 200 GET $i/backup/files/default.jdb "${auth[@]}"
expect 206 GET $i/backup/files/default.jdb -H "Range: bytes=10-" "${auth[@]}"
expect 416 GET $i/backup/files/default.jdb -H "Range: bytes=-5" "${auth[@]}"
expect 404 GET $i/backup/files/nope.jdb "${auth[@]}"
expect 200 POST $i/backup/log-info "${auth[@]}"
expect 200 GET $i/backup/truncate-log-info "${auth[@]}"
expect 409 POST $i/backup/truncate-log "${auth[@]}"
expect 200 POST $i/backup/stop "${auth[@]}"
expect 409 GET $i/backup/attach-info "${auth[@]}"
expect 200 DELETE "$i/backup?mode=normal" "${auth[@]}"
expect 409 POST /v1/backup/stop "${auth[@]}"
expect 405 PUT /v1/instances "${auth[@]}"
expect 404 GET /v2/nothing "${auth[@]}"
# Bad input: oversized header, oversized body, a broken request line; the server stays up.
expect 431 GET /healthz -H "X-Big: $(head -c 20000 /dev/zero | tr '\0' a)"
head -c 67108865 /dev/zero >"$dir/big"  # 64 MiB + 1
expect 413 PUT $i/databases/default/keys/big --data-binary @"$dir/big" "${auth[@]}"
printf 'BROKEN\r\n\r\n' | curl -s --max-time 5 telnet://"${url#http://}" >"$dir/raw" || true
grep -q '^HTTP/1.1 400' "$dir/raw" || { echo "FAIL: a broken request line was not answered 400"; failures=$((failures + 1)); }
expect 200 GET /healthz

kill -TERM "$server_pid"
if ! wait "$server_pid"; then echo "FAIL: the server did not exit 0 on SIGTERM"; failures=$((failures + 1)); fi
server_pid=
[ "$failures" -eq 0 ] || { echo "$failures failures"; exit 1; }
echo "all curl checks passed"
