#!/usr/bin/env bash
# Load runs against the real server on PostgreSQL, on loopback only, for the
# registry's performance goals (README "Benchmarks", docs/benchmarks.md):
#   0. in-process baselines on this machine (go test -bench): checking a
#      permit's ES256 signature on all cores; inserting an issue's rows with
#      plain SQL from 8 and from 64 clients;
#   1. warm: POST /api/v1/verify over WARM_PERMITS (500) permits cycled, as
#      fast as it goes (wrk) and at half the signature rate (citesload, open
#      loop: latency counts from when each request was due);
#   2. cold: a registry of COLD_PERMITS (1,000,000) permits made by an
#      in-process fixture, of which COLD_SCANNED (100,000) distinct ones are
#      scanned in random order: as fast as it goes, and at a quarter of the
#      signature rate; the server's peak resident memory (VmHWM);
#   3. issue: POST /api/v1/permits from 8 and from 64 connections (wrk);
# then every ratio, p99 and peak.
set -euo pipefail
cd "$(dirname "$0")/.."
PG="${CITES_LOADTEST_PG:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"
DURATION="${DURATION:-20s}"
WARM_PERMITS="${WARM_PERMITS:-500}"
COLD_PERMITS="${COLD_PERMITS:-1000000}"
COLD_SCANNED="${COLD_SCANNED:-100000}"
# psql without a NOTICE for each table a fresh schema drops.
psql() { PGOPTIONS="-c client_min_messages=warning" command psql "$@"; }
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
schema="loadtest_$$"
data=$(mktemp -d)
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  psql "${PG%%\?*}" -q -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
  rm -rf "$data"
}
trap cleanup EXIT
go build -o bin/citesd ./cmd/citesd && go build -o bin/citesload ./cmd/citesload

echo "== in-process baselines (same machine, nothing else running)"
CITES_TEST_POSTGRES_DSN="$PG" go test -run '^$' -bench 'SignatureCheck|PlainInsertParallel/.*/postgres' -benchtime 3s ./permits/ |
  grep Benchmark | tee "$data/bench"
nsop() { awk -v n="$1" '$1 ~ n {print $3}' "$data/bench" | head -1; }
sig_rate=$(awk -v ns="$(nsop SignatureCheck)" 'BEGIN {printf "%d", 1e9 / ns}')
insert8=$(awk -v ns="$(nsop 'clients=8/postgres')" 'BEGIN {printf "%d", 1e9 / ns}')
insert64=$(awk -v ns="$(nsop 'clients=64/postgres')" 'BEGIN {printf "%d", 1e9 / ns}')

# fresh starts a server on an empty schema with its two users.
fresh() {
  [ -n "$pid" ] && { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }
  psql "${PG%%\?*}" -q -c "DROP SCHEMA IF EXISTS $schema CASCADE" -c "CREATE SCHEMA $schema" >/dev/null
  rm -rf "$data/node" && mkdir -p "$data/node"
  export CITES_DATA_DIR="$data/node" CITES_DATABASE_URL="$PG&search_path=$schema" CITES_ADDR=127.0.0.1:18099 CITES_LOG_LEVEL=warn
  bin/citesd migrate >/dev/null
  echo "issuer-password" | bin/citesd user add --username load-issuer --role issuer --authority KG >/dev/null
  echo "officer-password" | bin/citesd user add --username load-officer --role officer >/dev/null
}
serve() {
  bin/citesd serve & pid=$!
  for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18099/readyz >/dev/null && break; sleep 0.2; done
}
hwm() { awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status"; }
# The statistics that autovacuum keeps in production (off on the
# development machines: without them the planner reads the whole fresh
# permits table for each batched status query).
analyze() { psql "${PG%%\?*}" -q -c "SET search_path = $schema" -c "ANALYZE" >/dev/null; }
common() { echo -url http://127.0.0.1:18099 -user load-officer -pass officer-password -issuer load-issuer -issuer-pass issuer-password -pid "$pid" -duration "$DURATION"; }
wrkrate() { sed -n 's/^Requests\/sec: *\([0-9]*\).*/\1/p' "$1"; }

echo "== 1. warm: $WARM_PERMITS permits cycled"
fresh; serve
bin/citesload $(common) -permits "$WARM_PERMITS" -prepare "$data/warm"
analyze
wrk -t2 -c32 -d3s -s scripts/verify.lua http://127.0.0.1:18099 -- "$data/warm" >/dev/null
wrk -t2 -c32 -d"$DURATION" --latency -s scripts/verify.lua http://127.0.0.1:18099 -- "$data/warm" | tee "$data/wrk-warm"
grep -q "Non-2xx" "$data/wrk-warm" && { echo "warm run had errors" >&2; exit 1; }
warm=$(wrkrate "$data/wrk-warm")
warm_rate=$((sig_rate / 2))
bin/citesload $(common) -mode verify -concurrency 64 -rate "$warm_rate" -bodies "$data/warm" | tee "$data/paced-warm"
warm_hwm=$(hwm)

echo "== 2. cold: $COLD_PERMITS permits, $COLD_SCANNED distinct scanned in random order"
fresh
start=$(date +%s)
CITES_FIXTURE_DSN="$CITES_DATABASE_URL" CITES_FIXTURE_DATA="$CITES_DATA_DIR" CITES_FIXTURE_OUT="$data/cold" CITES_FIXTURE_ISSUER=load-issuer \
  CITES_FIXTURE_PERMITS="$COLD_PERMITS" CITES_FIXTURE_SCANNED="$COLD_SCANNED" go test -count=1 -run TestLoadFixture ./permits/ >/dev/null
echo "fixture: $(wc -l < "$data/cold") codes of $COLD_PERMITS permits in $(( $(date +%s) - start )) s"
analyze
serve
echo "server at rest: VmRSS $(awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status") MB"
# wrk's two threads each start at their own half of the codes, so that no
# code is sent twice until all have been: every scan is new to the server
# while the run sends fewer than COLD_SCANNED requests (the summary says).
bin/citesload $(common) -token "$data/cold.token"
wrk -t2 -c32 -d"$DURATION" --latency -s scripts/verify.lua http://127.0.0.1:18099 -- "$data/cold" 2 | tee "$data/wrk-cold"
grep -q "Non-2xx" "$data/wrk-cold" && { echo "cold run had errors" >&2; exit 1; }
cold=$(wrkrate "$data/wrk-cold")
cold_sent=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$data/wrk-cold")
cold_hwm=$(hwm)
# A new server process for the paced run, so that its codes are new to it
# again (PostgreSQL keeps its own buffers, as it would in production).
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
serve
cold_rate=$((sig_rate / 4))
bin/citesload $(common) -mode verify -concurrency 64 -warmup 1 -rate "$cold_rate" -bodies "$data/cold" | tee "$data/paced-cold"
cold_hwm=$(( $(hwm) > cold_hwm ? $(hwm) : cold_hwm ))

echo "== 3. issue"
fresh; serve
bin/citesload $(common) -prepare-issue "$data/permit"
issued=()
for c in 8 64; do
  wrk -t2 -c"$c" -d"$DURATION" --latency -s scripts/issue.lua http://127.0.0.1:18099 -- "$data/permit" | tee "$data/wrk-issue-$c"
  grep -q "Non-2xx" "$data/wrk-issue-$c" && { echo "issue run had errors" >&2; exit 1; }
  issued+=("$(wrkrate "$data/wrk-issue-$c")")
done
issue_hwm=$(hwm)

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" "$2"; }
echo "== summary (signature check in-process: $sig_rate/s on both cores)"
awk -v sig="$sig_rate" -v warm="$warm" -v cold="$cold" -v wp="$WARM_PERMITS" -v cs="$COLD_SCANNED" -v cp="$COLD_PERMITS" -v csent="$cold_sent" \
  -v wr="$warm_rate" -v wp99="$(field p99 "$data/paced-warm")" -v wach="$(field rate "$data/paced-warm")" \
  -v cr="$cold_rate" -v cp99="$(field p99 "$data/paced-cold")" -v cach="$(field rate "$data/paced-cold")" \
  -v i8="${issued[0]}" -v i64="${issued[1]}" -v p8="$insert8" -v p64="$insert64" \
  -v whwm="$warm_hwm" -v chwm="$cold_hwm" -v ihwm="$issue_hwm" 'BEGIN {
  printf "warm verify (%d permits cycled): %d/s, ratio %.2f to the signature check\n", wp, warm, warm / sig
  printf "warm verify at %d/s (achieved %s): p99 %s\n", wr, wach, wp99
  printf "cold verify (%d distinct of %d permits, random order; %d requests, %s): %d/s, ratio %.2f (goal 0.4)\n", cs, cp, csent, (csent > 2 * cs ? "some codes sent three times or more" : (csent > cs ? "some codes sent twice, which is no warmer: a code is kept from its second scan" : "each code sent once")), cold, cold / sig
  printf "cold verify at %d/s, a quarter of the signature rate (achieved %s): p99 %s (goal < 25ms)\n", cr, cach, cp99
  printf "issue, 8 connections: %d/s; plain SQL from 8 clients %d/s: ratio %.2f\n", i8, p8, i8 / p8
  printf "issue, 64 connections: %d/s; plain SQL from 64 clients %d/s: ratio %.2f (goal 0.5)\n", i64, p64, i64 / p64
  printf "server peak resident memory (VmHWM): warm %d MB, cold %d MB, issue %d MB (goal < 150 MB)\n", whwm, chwm, ihwm
}'
