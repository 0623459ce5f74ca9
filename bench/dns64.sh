#!/usr/bin/env bash
# Benchmark: `sixfour dns64` against Unbound 1.17 with its dns64 module, in one lab run, with
# dnsperf from c6. Figures: queries per second and latency for
#   cached  - AAAA queries for A-only names that need synthesis, answered from the cache
#   miss    - AAAA queries for distinct A-only names, each asked once (every one a cache miss:
#             AAAA then A upstream, then synthesis)
# p99 latency comes from a second, verbose dnsperf run of the same queries (dnsperf -v prints
# each answer's latency; that run's own qps is lower and not reported).
#
#   bench/dns64.sh [path/to/sixfour]      (as root; default build/sixfour)
#
#   c6 dnsperf -> gw [2001:db8:6::1]:53  sixfour dns64 (upstream: Unbound iterator in s4 -> NSD)
#              -> gw [2001:db8:6::53]:53 Unbound "dns64 iterator" (stub zone -> NSD in s4)
# Both use the prefix 2001:db8:64::/96 and are given the same warm-up.
set -euo pipefail
SIXFOUR=$(realpath "${1:-build/sixfour}")
export SIXFOUR
DURATION=${DURATION:-5}
NAMES=${NAMES:-100}          # names in the cached set
MISSES=${MISSES:-5000}       # distinct names per server in the miss pass
export DNS64_BENCH_NAMES=$((2 * MISSES + NAMES))
# shellcheck source=../tests/lab/lab.sh
source "$(dirname "$0")/../tests/lab/lab.sh"
# shellcheck source=../tests/lab/dns64.sh
source "$(dirname "$0")/../tests/lab/dns64.sh"
trap lab_down EXIT
command -v dnsperf >/dev/null || { echo "bench: dnsperf not installed (scripts/setup)" >&2; exit 1; }

lab_up >/dev/null
dns64_upstream_up
ip -n "$(lab_ns gw)" addr add 2001:db8:6::53/64 dev eth-c6 nodad
dns64_unbound_start unbound64 gw 2001:db8:6::53 '  module-config: "dns64 iterator"
  dns64-prefix: 2001:db8:64::/96'
# The peer's own iterator reaches NSD over IPv4 from gw.
dns64_start ${SIXFOUR_ARGS:-}

for i in $(seq 1 "$NAMES"); do printf 'b%d.example.test AAAA\n' "$i"; done >"$LAB_DIR/cached.txt"
for i in $(seq $((NAMES + 1)) $((NAMES + MISSES))); do printf 'b%d.example.test AAAA\n' "$i"; done >"$LAB_DIR/miss-sixfour.txt"
for i in $(seq $((NAMES + MISSES + 1)) $((NAMES + 2 * MISSES))); do printf 'b%d.example.test AAAA\n' "$i"; done >"$LAB_DIR/miss-unbound.txt"

qps() { sed -nE 's/.*Queries per second: *([0-9.]+).*/\1/p' <<<"$1"; }
avg_ms() { sed -nE 's/.*Average Latency \(s\): *([0-9.]+).*/\1/p' <<<"$1" | awk '{printf "%.3f", $1 * 1000}'; }
max_ms() { sed -nE 's/.*Average Latency \(s\): *[0-9.]+ \(min [0-9.]+, max ([0-9.]+)\).*/\1/p' <<<"$1" | awk '{printf "%.1f", $1 * 1000}'; }
lost() { sed -nE 's/.*Queries lost: *([0-9]+).*/\1/p' <<<"$1"; }
# p99 of the per-answer latencies that `dnsperf -v` prints ("> NOERROR name AAAA 0.000123").
p99_ms() {
  awk '$1 == ">" {print $NF}' | sort -g |
    awk '{v[NR] = $1} END {i = int(NR * 0.99 + 0.5); if (i < 1) i = 1; if (NR) printf "%.3f", v[i] * 1000; else print "-"}'
}

declare -A R
run() {  # NAME SERVER FILE MODE(cached|miss)
  local name=$1 server=$2 file=$3 mode=$4 out
  if [[ $mode == cached ]]; then
    lab_exec c6 dnsperf -s "$server" -d "$file" -n 3 -q 200 >/dev/null 2>&1 || true  # warm up
    out=$(lab_exec c6 dnsperf -s "$server" -d "$file" -l "$DURATION" -q 200 2>&1) || true
    R[$name.qps]=$(qps "$out")
    R[$name.avg]=$(avg_ms "$out")
    R[$name.max]=$(max_ms "$out")
    R[$name.lost]=$(lost "$out")
    R[$name.p99]=$(lab_exec c6 dnsperf -s "$server" -d "$file" -l 2 -q 200 -v 2>/dev/null | p99_ms) || true
  else
    out=$(lab_exec c6 dnsperf -s "$server" -d "$file" -n 1 -q 200 -v -t 5 2>&1) || true
    R[$name.qps]=$(qps "$out")
    R[$name.avg]=$(avg_ms "$out")
    R[$name.max]=$(max_ms "$out")
    R[$name.lost]=$(lost "$out")
    R[$name.p99]=$(p99_ms <<<"$out")
  fi
  printf '%-16s %10s qps  avg %s ms  p99 %s ms  max %s ms  lost %s\n' "$name" "${R[$name.qps]}" \
    "${R[$name.avg]}" "${R[$name.p99]}" "${R[$name.max]}" "${R[$name.lost]}" >&2
}

# Sanity: both synthesize the same address.
a=$(lab_exec c6 dig +short @2001:db8:6::1 b1.example.test AAAA)
b=$(lab_exec c6 dig +short @2001:db8:6::53 b1.example.test AAAA)
[[ -n $a && $a == "$b" ]] || fail "sixfour ($a) and Unbound ($b) disagree on b1.example.test AAAA"
echo "both answer b1.example.test AAAA = $a" >&2

run sixfour.cached 2001:db8:6::1 "$LAB_DIR/cached.txt" cached
run unbound.cached 2001:db8:6::53 "$LAB_DIR/cached.txt" cached
run sixfour.miss 2001:db8:6::1 "$LAB_DIR/miss-sixfour.txt" miss
run unbound.miss 2001:db8:6::53 "$LAB_DIR/miss-unbound.txt" miss

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
echo
echo "| figure | Unbound 1.17 dns64 | sixfour dns64 | sixfour/Unbound |"
echo "|---|---|---|---|"
for m in cached miss; do
  echo "| $m: qps | ${R[unbound.$m.qps]} | ${R[sixfour.$m.qps]} | $(ratio "${R[sixfour.$m.qps]}" "${R[unbound.$m.qps]}")× |"
  echo "| $m: avg / p99 latency (ms) | ${R[unbound.$m.avg]} / ${R[unbound.$m.p99]} | ${R[sixfour.$m.avg]} / ${R[sixfour.$m.p99]} | |"
done
lab_exec gw "$SIXFOUR" dns64 stats --control "$DNS64_CTL" | grep -E 'cache_hits|synthesized|upstream_queries|servfail' >&2
