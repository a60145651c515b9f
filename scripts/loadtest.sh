#!/usr/bin/env bash
# Load run against the real server on PostgreSQL, on loopback only. Starts
# citesd on a fresh schema, then measures with citesload:
#   1. POST /api/v1/verify as fast as it goes (wrk when installed:
#      apt-get install wrk; it costs the machine far less than a Go client),
#   2. POST /api/v1/verify at a fixed rate (RATE, default half of 1.),
#   3. POST /api/v1/permits (issuing) as fast as it goes,
# and prints the in-process baselines (go test -bench) for the same machine.
set -euo pipefail
cd "$(dirname "$0")/.."
PG="${CITES_LOADTEST_PG:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"
DURATION="${DURATION:-20s}"
schema="loadtest_$$"
psql "${PG%%\?*}" -q -c "CREATE SCHEMA $schema" >/dev/null
data=$(mktemp -d)
cleanup() {
  [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  psql "${PG%%\?*}" -q -c "DROP SCHEMA $schema CASCADE" >/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT
export CITES_DATA_DIR="$data" CITES_DATABASE_URL="$PG&search_path=$schema" CITES_ADDR=127.0.0.1:18099 CITES_LOG_LEVEL=warn
go build -o bin/citesd ./cmd/citesd && go build -o bin/citesload ./cmd/citesload
echo "issuer-password" | bin/citesd user add --username load-issuer --role issuer --authority KG >/dev/null
echo "officer-password" | bin/citesd user add --username load-officer --role officer >/dev/null
bin/citesd serve & pid=$!
for _ in $(seq 1 50); do curl -sf http://127.0.0.1:18099/readyz >/dev/null && break; sleep 0.2; done
common=(-url http://127.0.0.1:18099 -user load-officer -pass officer-password -issuer load-issuer -issuer-pass issuer-password -pid "$pid" -duration "$DURATION")
echo "== verify, as fast as possible (wrk, 2 threads, 32 connections)"
if command -v wrk >/dev/null; then
  bin/citesload "${common[@]}" -permits 500 -prepare "$data/bodies"
  (while kill -0 "$pid" 2>/dev/null; do grep VmRSS /proc/$pid/status; sleep 0.5; done) > "$data/rss" &
  wrk -t2 -c32 -d"$DURATION" --latency -s scripts/verify.lua http://127.0.0.1:18099 -- "$data/bodies" | tee "$data/wrk"
  max=$(sed -n 's/^Requests\/sec: *\([0-9]*\).*/\1/p' "$data/wrk")
else
  max=$(bin/citesload "${common[@]}" -mode verify -concurrency 32 | tee /dev/stderr | sed -n 's/.* rate=\([0-9]*\)\/s.*/\1/p')
fi
rate="${RATE:-$((max / 2))}"
echo "== verify at ${rate}/s"
bin/citesload "${common[@]}" -mode verify -concurrency 64 -rate "$rate" -permits 100
echo "== issue, as fast as possible"
if command -v wrk >/dev/null; then
  bin/citesload "${common[@]}" -prepare-issue "$data/permit"
  wrk -t2 -c8 -d"$DURATION" --latency -s scripts/issue.lua http://127.0.0.1:18099 -- "$data/permit"
else
  bin/citesload "${common[@]}" -mode issue -concurrency 8
fi
[ -f "$data/rss" ] && echo "server peak RSS during the wrk run: $(sort -k2 -n "$data/rss" | tail -1)"
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
echo "== in-process baselines (same machine)"
CITES_TEST_POSTGRES_DSN="$PG" go test -run '^$' -bench 'SignatureCheck|PlainInsert/postgres|Issue/postgres' -benchtime 3s ./permits/ | grep Benchmark
