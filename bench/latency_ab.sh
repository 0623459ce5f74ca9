#!/usr/bin/env bash
# A/B benchmark of the latency figures: ping RTT and new TCP connections/s through `sixfour nat64`
# and `sixfour siit`, two binaries alternating (so both see the same machine load), each
# measurement on a fresh lab (no TIME_WAIT or session left from the previous one).
#
#   bench/latency_ab.sh OLD_SIXFOUR NEW_SIXFOUR     (as root)
#
# ROUNDS (default 3) rounds of: for nat64 and siit, for each of WS (default "2 1") worker counts,
# OLD then NEW. RTT: the median of 5 × `ping -c 50 -i 0.01` averages (each listed); connections:
# 4 clients × 3 s of connect / wait for the server's FIN / close, as bench/nat64.sh. Extra daemon
# flags per binary: OLD_FLAGS, NEW_FLAGS (e.g. NEW_FLAGS="--fast-path off" to measure the TUN path).
set -euo pipefail
OLD=$(realpath "${1:?usage: $0 OLD_SIXFOUR NEW_SIXFOUR}")
NEW=$(realpath "${2:?usage: $0 OLD_SIXFOUR NEW_SIXFOUR}")
ROUNDS=${ROUNDS:-3}
export LAB_SETSID=1 SIXFOUR=$NEW  # LAB_SETSID: as bench/nat64.sh (a session of its own)
# shellcheck source=../tests/lab/lab.sh
source "$(dirname "$0")/../tests/lab/lab.sh"
# shellcheck source=../tests/lab/nat64.sh
source "$(dirname "$0")/../tests/lab/nat64.sh"
# shellcheck source=./translator_lib.sh
source "$(dirname "$0")/translator_lib.sh"
trap lab_down EXIT

one() {  # MODE BIN WORKERS
  local mode=$1 bin=$2 w=$3 pr=() p r i pids=() total=0 f flags=()
  SIXFOUR=$bin
  lab_up >/dev/null 2>&1
  bench_conn_server "$LAB_S4" 9000 >/dev/null 2>&1
  sleep 0.5
  read -ra flags <<<"$([[ $bin == "$OLD" ]] && echo "${OLD_FLAGS:-}" || echo "${NEW_FLAGS:-}")"
  if [[ $mode == nat64 ]]; then
    nat64_start --workers "$w" "${flags[@]}" >/dev/null
  else
    lab_siit_start --workers "$w" "${flags[@]}" >/dev/null
  fi
  sleep 0.3
  for ((r = 0; r < 5; r++)); do
    p=$(lab_exec c6 ping -n -q -c 50 -i 0.01 "$LAB_S4_AS6" | sed -nE 's|.*= [0-9.]+/([0-9.]+)/.*|\1|p') || true
    pr+=("${p:-0}")
  done
  for i in 1 2 3 4; do
    lab_exec c6 "$LAB_DIR/conn_storm" client "$LAB_S4_AS6" 9000 3 >"$LAB_DIR/conn-$i.out" &
    pids+=($!)
  done
  wait "${pids[@]}" || true
  for f in "$LAB_DIR"/conn-*.out; do total=$((total + $(cat "$f" 2>/dev/null || echo 0))); done
  lab_daemon_stop >/dev/null
  lab_down >/dev/null 2>&1
  printf '%-6s %-4s w%s rtt %s ms (%s) conn/s %s load %s\n' "$mode" "$([[ $bin == "$OLD" ]] && echo old || echo new)" \
    "$w" "$(median "${pr[@]}")" "${pr[*]}" $((total / 3)) "$(cut -d' ' -f1 /proc/loadavg)"
}

for ((k = 0; k < ROUNDS; k++)); do
  for mode in nat64 siit; do
    for w in ${WS:-2 1}; do
      one "$mode" "$OLD" "$w"
      one "$mode" "$NEW" "$w"
    done
  done
done
