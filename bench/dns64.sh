#!/usr/bin/env bash
# Benchmark: `sixfour dns64` against Unbound 1.17 with its dns64 module, in one lab run, with
# dnsperf from c6. Figures: queries per second and latency for
#   cached  - AAAA queries for A-only names that need synthesis, answered from the cache
#   miss    - AAAA queries for distinct A-only names, each asked once (every one a cache miss:
#             AAAA then A upstream, then synthesis)
#
#   bench/dns64.sh [path/to/sixfour]      (as root; default build/sixfour)
#
#   c6 dnsperf -> gw [2001:db8:6::1]:53  sixfour dns64 (upstream: Unbound iterator in s4 -> NSD)
#              -> gw [2001:db8:6::53]:53 Unbound "dns64 iterator" (stub zone -> NSD in s4)
#
# Fairness: both servers get the same number of threads (THREADS; sixfour --threads, Unbound
# num-threads), the same prefix 2001:db8:64::/96, the same warm-up, and the same CPU placement:
# with PIN=1 (default) every thread of both servers runs on CPU $SERVER_CPU and dnsperf on CPU
# $CLIENT_CPU (taskset). The cached pass runs ROUNDS rounds; each round measures both servers
# back to back, alternating which goes first, so that background load hits both alike. Reported:
# median and min-max of qps, the median ratio, p99 latency, and the CPU time each server process
# spent per 100k answered queries (utime+stime from /proc/PID/stat around the timed run).
# Both servers (every thread) and dnsperf run at nice $NICE (-19), so that other work on a shared
# machine (builds at nice 0-10) takes little of their CPUs during the runs.
# p99 comes from a separate verbose dnsperf run (-v prints each answer's latency; dnsperf prints
# no percentiles, and the verbose run's own qps is lower and not reported).
#
# Environment: DURATION (s per timed run, 5), ROUNDS (5), THREADS (1), PIN (1), SERVER_CPU (1),
# CLIENT_CPU (0), NICE (-19), INFLIGHT (dnsperf -q, 200), NAMES (100 cached names), MISSES (5000 per server),
# SIXFOUR_ARGS (extra flags for sixfour).
set -euo pipefail
SIXFOUR=$(realpath "${1:-build/sixfour}")
export SIXFOUR
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-5}
THREADS=${THREADS:-1}
PIN=${PIN:-1}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
INFLIGHT=${INFLIGHT:-200}
NICE=${NICE:--19}
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
# num-threads given again after the helper's "num-threads: 1": Unbound keeps the last value.
dns64_unbound_start unbound64 gw 2001:db8:6::53 "  module-config: \"dns64 iterator\"
  dns64-prefix: 2001:db8:64::/96
  num-threads: $THREADS"
UNBOUND_PID=$LAB_PID_unbound64
# The peer's own iterator reaches NSD over IPv4 from gw.
# shellcheck disable=SC2086
dns64_start --threads "$THREADS" ${SIXFOUR_ARGS:-}
SIXFOUR_PID=$DNS64_PID

CLIENT=(lab_exec c6 nice -n "$NICE")
for pid in "$UNBOUND_PID" "$SIXFOUR_PID"; do
  for task in /proc/"$pid"/task/*; do renice -n "$NICE" -p "${task##*/}" >/dev/null; done  # every thread
  [[ $PIN == 1 ]] && taskset -a -p -c "$SERVER_CPU" "$pid" >/dev/null
done
[[ $PIN == 1 ]] && CLIENT+=(taskset -c "$CLIENT_CPU")
echo "threads $THREADS per server; pinned: $([[ $PIN == 1 ]] && echo "servers on CPU $SERVER_CPU, dnsperf on CPU $CLIENT_CPU" || echo no); nice $NICE; $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg)" >&2

for i in $(seq 1 "$NAMES"); do printf 'b%d.example.test AAAA\n' "$i"; done >"$LAB_DIR/cached.txt"
for i in $(seq $((NAMES + 1)) $((NAMES + MISSES))); do printf 'b%d.example.test AAAA\n' "$i"; done >"$LAB_DIR/miss-sixfour.txt"
for i in $(seq $((NAMES + MISSES + 1)) $((NAMES + 2 * MISSES))); do printf 'b%d.example.test AAAA\n' "$i"; done >"$LAB_DIR/miss-unbound.txt"

qps() { sed -nE 's/.*Queries per second: *([0-9]+).*/\1/p' <<<"$1"; }
completed() { sed -nE 's/.*Queries completed: *([0-9]+).*/\1/p' <<<"$1"; }
avg_ms() { sed -nE 's/.*Average Latency \(s\): *([0-9.]+).*/\1/p' <<<"$1" | awk '{printf "%.3f", $1 * 1000}'; }
lost() { sed -nE 's/.*Queries lost: *([0-9]+).*/\1/p' <<<"$1"; }
# p99 of the per-answer latencies that `dnsperf -v` prints ("> NOERROR name AAAA 0.000123").
p99_ms() {
  awk '$1 == ">" {print $NF}' | sort -g |
    awk '{v[NR] = $1} END {i = int(NR * 0.99 + 0.5); if (i < 1) i = 1; if (NR) printf "%.3f", v[i] * 1000; else print "-"}'
}
# CPU time (utime+stime, all threads) of a process in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TCK=$(getconf CLK_TCK)
# cpu_per_100k TICKS ANSWERS: server CPU seconds per 100k answered queries.
cpu_per_100k() { awk -v t="$1" -v n="$2" -v hz="$TCK" 'BEGIN { if (n > 0) printf "%.3f", t / hz / n * 100000; else print "-" }'; }
median() { sort -g | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
spread() { sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%s-%s", lo, hi}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

declare -A R SERVER=([sixfour]=2001:db8:6::1 [unbound]=2001:db8:6::53) PID=([sixfour]=$SIXFOUR_PID [unbound]=$UNBOUND_PID)

cached_run() {  # PEER ROUND
  local peer=$1 round=$2 out t0 t1 q
  t0=$(cpu_ticks "${PID[$peer]}")
  out=$("${CLIENT[@]}" dnsperf -s "${SERVER[$peer]}" -d "$LAB_DIR/cached.txt" -l "$DURATION" -q "$INFLIGHT" 2>&1) || true
  t1=$(cpu_ticks "${PID[$peer]}")
  q=$(qps "$out")
  R[$peer.qps]+="$q "
  R[$peer.cpu]+="$(cpu_per_100k $((t1 - t0)) "$(completed "$out")") "
  R[$peer.ratio.$round]=$q
  printf 'round %d %-8s cached %10s qps  avg %s ms  lost %s  cpu %s s/100k\n' "$round" "$peer" "$q" \
    "$(avg_ms "$out")" "$(lost "$out")" "$(cpu_per_100k $((t1 - t0)) "$(completed "$out")")" >&2
}

# Sanity: both synthesize the same address.
a=$(lab_exec c6 dig +short @2001:db8:6::1 b1.example.test AAAA)
b=$(lab_exec c6 dig +short @2001:db8:6::53 b1.example.test AAAA)
[[ -n $a && $a == "$b" ]] || fail "sixfour ($a) and Unbound ($b) disagree on b1.example.test AAAA"
echo "both answer b1.example.test AAAA = $a" >&2

# Warm-up: every cached name is in both caches before the timed runs.
for peer in sixfour unbound; do
  "${CLIENT[@]}" dnsperf -s "${SERVER[$peer]}" -d "$LAB_DIR/cached.txt" -n 3 -q "$INFLIGHT" >/dev/null 2>&1 || true
done

ratios=()
for ((r = 1; r <= ROUNDS; r++)); do
  if ((r % 2)); then order=(sixfour unbound); else order=(unbound sixfour); fi
  for peer in "${order[@]}"; do cached_run "$peer" "$r"; done
  ratios+=("$(ratio "${R[sixfour.ratio.$r]}" "${R[unbound.ratio.$r]}")")
done
for peer in sixfour unbound; do
  R[$peer.p99]=$("${CLIENT[@]}" dnsperf -s "${SERVER[$peer]}" -d "$LAB_DIR/cached.txt" -l 2 -q "$INFLIGHT" -v 2>/dev/null | p99_ms) || true
done

miss_run() {  # PEER
  local peer=$1 out
  out=$("${CLIENT[@]}" dnsperf -s "${SERVER[$peer]}" -d "$LAB_DIR/miss-$peer.txt" -n 1 -q "$INFLIGHT" -v -t 5 2>&1) || true
  R[$peer.miss.qps]=$(qps "$out")
  R[$peer.miss.avg]=$(avg_ms "$out")
  R[$peer.miss.p99]=$(p99_ms <<<"$out")
  R[$peer.miss.lost]=$(lost "$out")
  printf 'miss     %-8s %10s qps  avg %s ms  p99 %s ms  lost %s\n' "$peer" "${R[$peer.miss.qps]}" \
    "${R[$peer.miss.avg]}" "${R[$peer.miss.p99]}" "${R[$peer.miss.lost]}" >&2
}
miss_run sixfour
miss_run unbound

med() { tr ' ' '\n' <<<"$1" | grep . | median; }
rng() { tr ' ' '\n' <<<"$1" | grep . | spread; }
echo
echo "| figure | Unbound 1.17 dns64 | sixfour dns64 | sixfour/Unbound |"
echo "|---|---|---|---|"
echo "| cached: median qps ($ROUNDS rounds) | $(med "${R[unbound.qps]}") | $(med "${R[sixfour.qps]}") | $(printf '%s\n' "${ratios[@]}" | median)× |"
echo "| cached: qps min-max | $(rng "${R[unbound.qps]}") | $(rng "${R[sixfour.qps]}") | $(printf '%s\n' "${ratios[@]}" | spread)× |"
echo "| cached: p99 latency (ms) | ${R[unbound.p99]} | ${R[sixfour.p99]} | |"
echo "| cached: server CPU s per 100k answers (median) | $(med "${R[unbound.cpu]}") | $(med "${R[sixfour.cpu]}") | |"
echo "| miss: qps | ${R[unbound.miss.qps]} | ${R[sixfour.miss.qps]} | $(ratio "${R[sixfour.miss.qps]}" "${R[unbound.miss.qps]}")× |"
echo "| miss: avg / p99 latency (ms) | ${R[unbound.miss.avg]} / ${R[unbound.miss.p99]} | ${R[sixfour.miss.avg]} / ${R[sixfour.miss.p99]} | |"
echo "per-round ratios: ${ratios[*]}"
lab_exec gw "$SIXFOUR" dns64 stats --control "$DNS64_CTL" | grep -E 'cache_hits|synthesized|upstream_queries|servfail' >&2
