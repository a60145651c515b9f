#!/usr/bin/env bash
# Load run against the real server on PostgreSQL, on loopback only, for the
# registry's performance goals (README "Benchmarks"):
#   0. the in-process baselines on this machine (go test -bench): checking
#      a permit's ES256 signature on all cores, and inserting an issue's rows
#      with plain SQL;
#   1. POST /api/v1/verify as fast as it goes (wrk when installed:
#      apt-get install wrk; citesload otherwise);
#   2. POST /api/v1/verify at a fixed rate, RATE, by default the goal's rate:
#      half the signature-check rate of 0. (citesload, open loop: latency
#      counts from when each request was due);
#   3. POST /api/v1/permits (issuing) as fast as it goes;
# then the ratios, the p99 and the server's peak resident memory.
set -euo pipefail
cd "$(dirname "$0")/.."
PG="${CITES_LOADTEST_PG:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"
DURATION="${DURATION:-20s}"
schema="loadtest_$$"
data=$(mktemp -d)
cleanup() {
  [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  [ -n "${sampler:-}" ] && kill "$sampler" 2>/dev/null || true
  psql "${PG%%\?*}" -q -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
  rm -rf "$data"
}
trap cleanup EXIT
go build -o bin/citesd ./cmd/citesd && go build -o bin/citesload ./cmd/citesload

echo "== in-process baselines (same machine, nothing else running)"
CITES_TEST_POSTGRES_DSN="$PG" go test -run '^$' -bench 'SignatureCheck|PlainInsert/postgres|Issue/postgres' -benchtime 3s ./permits/ |
  grep Benchmark | tee "$data/bench"
nsop() { awk -v n="$1" '$1 ~ n {print $3}' "$data/bench" | head -1; }
sig_rate=$(awk -v ns="$(nsop SignatureCheck)" 'BEGIN {printf "%d", 1e9 / ns}')
insert_rate=$(awk -v ns="$(nsop PlainInsert)" 'BEGIN {printf "%d", 1e9 / ns}')

psql "${PG%%\?*}" -q -c "CREATE SCHEMA $schema" >/dev/null
export CITES_DATA_DIR="$data" CITES_DATABASE_URL="$PG&search_path=$schema" CITES_ADDR=127.0.0.1:18099 CITES_LOG_LEVEL=warn
echo "issuer-password" | bin/citesd user add --username load-issuer --role issuer --authority KG >/dev/null
echo "officer-password" | bin/citesd user add --username load-officer --role officer >/dev/null
bin/citesd serve & pid=$!
for _ in $(seq 1 50); do curl -sf http://127.0.0.1:18099/readyz >/dev/null && break; sleep 0.2; done
(while kill -0 "$pid" 2>/dev/null; do grep VmRSS /proc/$pid/status 2>/dev/null; sleep 0.5; done) > "$data/rss" & sampler=$!
common=(-url http://127.0.0.1:18099 -user load-officer -pass officer-password -issuer load-issuer -issuer-pass issuer-password -pid "$pid" -duration "$DURATION")

# The statistics that autovacuum keeps in production. Where it is off (as
# on the development machines), the planner takes the fresh permits table
# for a few rows and reads the whole of it for each batched status query:
# 120 us of database CPU for a batch of 8 instead of 33.
analyze() { psql "${PG%%\?*}" -q -c "SET search_path = $schema" -c "ANALYZE" >/dev/null; }

echo "== verify, as fast as possible"
bin/citesload "${common[@]}" -permits 500 -prepare "$data/bodies"
analyze
if command -v wrk >/dev/null; then
  # Warm-up, not reported: connections, prepared statements, caches (the
  # citesload runs below warm up the same way).
  wrk -t2 -c32 -d3s -s scripts/verify.lua http://127.0.0.1:18099 -- "$data/bodies" >/dev/null
  wrk -t2 -c32 -d"$DURATION" --latency -s scripts/verify.lua http://127.0.0.1:18099 -- "$data/bodies" | tee "$data/wrk"
  if grep -q "Non-2xx" "$data/wrk"; then echo "verify run had errors" >&2; exit 1; fi
  max=$(sed -n 's/^Requests\/sec: *\([0-9]*\).*/\1/p' "$data/wrk")
else
  max=$(bin/citesload "${common[@]}" -mode verify -concurrency 32 | tee /dev/stderr | sed -n 's/.* rate=\([0-9]*\)\/s.*/\1/p')
fi

rate="${RATE:-$((sig_rate / 2))}"
echo "== verify at ${rate}/s (half the signature-check rate)"
bin/citesload "${common[@]}" -mode verify -concurrency 64 -rate "$rate" -permits 100 | tee "$data/paced"
echo "== verify at $((max / 2))/s (half the rate reached above)"
bin/citesload "${common[@]}" -mode verify -concurrency 64 -rate "$((max / 2))" -permits 100 | tee "$data/paced-half"

echo "== issue, as fast as possible"
if command -v wrk >/dev/null; then
  bin/citesload "${common[@]}" -prepare-issue "$data/permit"
  wrk -t2 -c8 -d"$DURATION" --latency -s scripts/issue.lua http://127.0.0.1:18099 -- "$data/permit" | tee "$data/wrk-issue"
  if grep -q "Non-2xx" "$data/wrk-issue"; then echo "issue run had errors" >&2; exit 1; fi
  issued=$(sed -n 's/^Requests\/sec: *\([0-9]*\).*/\1/p' "$data/wrk-issue")
else
  issued=$(bin/citesload "${common[@]}" -mode issue -concurrency 8 | tee /dev/stderr | sed -n 's/.* rate=\([0-9]*\)\/s.*/\1/p')
fi
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""

echo "== summary"
awk -v max="$max" -v sig="$sig_rate" -v rate="$rate" -v issued="$issued" -v ins="$insert_rate" \
  -v p99="$(sed -n 's/.* p99=\([^ ]*\).*/\1/p' "$data/paced")" \
  -v paced="$(sed -n 's/.* rate=\([0-9]*\)\/s.*/\1/p' "$data/paced")" \
  -v p99half="$(sed -n 's/.* p99=\([^ ]*\).*/\1/p' "$data/paced-half")" \
  -v rss="$(awk '{print $2}' "$data/rss" | sort -n | tail -1)" 'BEGIN {
  printf "verify: %d/s as fast as possible; signature check in-process %d/s: ratio %.2f (goal 0.5)\n", max, sig, max / sig
  printf "verify at %d/s (half the signature rate; achieved %d/s): p99 %s (goal < 25ms)\n", rate, paced, p99
  printf "verify at %d/s (half the rate reached): p99 %s\n", max / 2, p99half
  printf "issue: %d/s; plain-SQL insert %d/s: ratio %.2f (goal 0.5)\n", issued, ins, issued / ins
  printf "server peak RSS: %.0f MB (goal < 150 MB)\n", rss / 1024
}'
