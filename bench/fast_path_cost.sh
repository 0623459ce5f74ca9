#!/usr/bin/env bash
# The eBPF fast path's own cost per packet, from the kernel's BPF statistics
# (kernel.bpf_stats_enabled: run count and run time of each program), for one or more sixfour
# binaries side by side: steadier than a round-trip time or a packet rate on a shared VM, since it
# counts only the time spent in the program (helpers included), not the machine around it.
#
#   bench/fast_path_cost.sh SIXFOUR...      (as root; e.g. an old and a new build)
#
# For `nat64` and `siit` in the lab (tests/lab/lab.sh), ROUNDS (default 2) rounds of, per binary:
# the daemon with its defaults started, then
#   cold: 200 pings 10 ms apart (every packet finds the program's code and data out of the CPU's
#         caches, as a lone packet does), and
#   warm: a 64-byte UDP flood for 3 s (bench/udp_flood.c),
# each followed by the uplink program's (nat64_uplink, siit_uplink) nanoseconds per run since the
# previous reading. Restores kernel.bpf_stats_enabled as it was.
set -euo pipefail
(($#)) || { echo "usage: $0 SIXFOUR..." >&2; exit 2; }
export LAB_SETSID=1
bins=()
for b in "$@"; do bins+=("$(realpath "$b")"); done
SIXFOUR=${bins[0]}
export SIXFOUR
ROUNDS=${ROUNDS:-2}
# shellcheck source=../tests/lab/lab.sh
source "$(dirname "$0")/../tests/lab/lab.sh"
# shellcheck source=../tests/lab/nat64.sh
source "$(dirname "$0")/../tests/lab/nat64.sh"
# shellcheck source=./translator_lib.sh
source "$(dirname "$0")/translator_lib.sh"
stats_was=$(sysctl -n kernel.bpf_stats_enabled)
trap 'sysctl -q kernel.bpf_stats_enabled="$stats_was"; lab_down' EXIT
lab_up >/dev/null
bench_udp_sink
sysctl -q kernel.bpf_stats_enabled=1

# prog_counts NAME: "RUNS NS" of the loaded program NAME (0 0 if none).
prog_counts() {
  bpftool prog show -j | "$LAB_PY" -c '
import json, sys
runs = ns = 0
for p in json.load(sys.stdin):
    if p.get("name") == sys.argv[1]:
        runs += p.get("run_cnt", 0)
        ns += p.get("run_time_ns", 0)
print(runs, ns)' "$1"
}

# per_run NAME BEFORE: ns per run of NAME since BEFORE ("RUNS NS").
# shellcheck disable=SC2086
per_run() {
  local now
  now=$(prog_counts "$1")
  "$LAB_PY" -c '
import sys
r0, n0, r1, n1 = map(int, sys.argv[1:5])
print(f"{(n1 - n0) / (r1 - r0):.0f} ns ({r1 - r0} runs)" if r1 > r0 else "-")' $2 $now # two words each
}

for ((r = 1; r <= ROUNDS; r++)); do
  for mode in nat64 siit; do
    for b in "${bins[@]}"; do
      SIXFOUR=$b
      if [[ $mode == nat64 ]]; then nat64_start >/dev/null; else lab_siit_start >/dev/null; fi
      before=$(prog_counts "${mode}_uplink")
      lab_exec c6 ping -q -n -c 200 -i 0.01 "$LAB_S4_AS6" >/dev/null || true
      cold=$(per_run "${mode}_uplink" "$before")
      lab_exec c6 "$LAB_DIR/udp_flood" "$LAB_S4_AS6" 7777 1 >/dev/null || true
      before=$(prog_counts "${mode}_uplink")
      lab_exec c6 "$LAB_DIR/udp_flood" "$LAB_S4_AS6" 7777 3 >/dev/null || true
      warm=$(per_run "${mode}_uplink" "$before")
      lab_daemon_stop >/dev/null
      for d in eth-c6 eth-s4; do tc -n "$(lab_ns gw)" qdisc del dev "$d" clsact 2>/dev/null || true; done
      printf 'round %d %-6s %-40s cold (pings 10 ms apart) %-22s warm (64 B flood) %s\n' "$r" "$mode" "$b" "$cold" "$warm"
    done
  done
done
