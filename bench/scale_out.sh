#!/usr/bin/env bash
# Benchmark: aggregate throughput of one `sixfour nat64` instance against two behind ECMP, in the
# scale-out lab (tests/lab/scale.sh, docs/scale-out.md), one run.
#
#   bench/scale_out.sh [path/to/sixfour]      (as root; default build/sixfour)
#
# Four clients (four IPv6 source addresses, chosen so that two hash to each instance) run iperf3
# at once to the IPv4 server: TCP (one flow each, DURATION s) and UDP 64-byte datagrams (-b 0).
# "1 instance": only n1 runs (the router has one next hop). "2 instances": n1 and n2. Each instance
# has one worker (the shared configuration says workers = 1); the machine has what it has (nproc
# is printed): on two cores, the clients, the server and the router share them with the
# instances, so this measures the spread, not a machine with a core per instance.
set -euo pipefail
SIXFOUR=$(realpath "${1:-build/sixfour}")
export SIXFOUR
DURATION=${DURATION:-5}
SCALE_CLIENTS=16
# shellcheck source=../tests/lab/lab.sh
source "$(dirname "$0")/../tests/lab/lab.sh"
# shellcheck source=../tests/lab/scale.sh
source "$(dirname "$0")/../tests/lab/scale.sh"
trap lab_down EXIT

scale_lab_up >/dev/null
for p in 5201 5202 5203 5204; do lab_bg server "iperf3-$p" iperf3 -s -B "$SCALE_SERVER4" -p "$p"; done
lab_wait_port server tcp "$SCALE_SERVER4" 5204
scale_instance_start 1
scale_instance_start 2
scale_wait_nexthops 2
# Two clients of each instance.
for ((k = 1; k <= SCALE_CLIENTS; k++)); do scale_fetch "$k"; done
mapfile -t on1 < <(scale_clients_of 1)
mapfile -t on2 < <(scale_clients_of 2)
((${#on1[@]} >= 2 && ${#on2[@]} >= 2)) || { echo "bench: fewer than two clients per instance" >&2; exit 1; }
clients=("${on1[@]:0:2}" "${on2[@]:0:2}")

# run MODE(tcp|udp): the four iperf3 clients at once; prints the sum (Gbit/s for tcp, kpps for udp).
run() {
  local mode=$1 i args=()
  [[ $mode == udp ]] && args=(-u -b 0 -l 64)
  for i in 0 1 2 3; do
    lab_exec clients iperf3 -c "$SCALE_SERVER6" -p $((5201 + i)) -B "${clients[$i]}" -t "$DURATION" -J "${args[@]}" \
      >"$LAB_DIR/run-$mode-$i.json" 2>&1 &
  done
  wait
  "$LAB_PY" - "$mode" "$LAB_DIR"/run-"$mode"-*.json <<'PY'
import json, sys
mode, files = sys.argv[1], sys.argv[2:]
total = 0.0
for f in files:
    end = json.load(open(f))["end"]
    if mode == "tcp":
        total += end["sum_received"]["bits_per_second"] / 1e9
    else:
        s = end["sum"]
        total += (s["packets"] - s["lost_packets"]) / s["seconds"] / 1e3
print(f"{total:.2f}")
PY
}

tcp2=$(run tcp)
udp2=$(run udp)
kill "$SCALE_PID_2"
wait "$SCALE_PID_2" 2>/dev/null || true
scale_wait_nexthops 1
tcp1=$(run tcp)
udp1=$(run udp)

echo
echo "sixfour nat64 scale-out, $(date -u +%F), $(nproc) CPUs, kernel $(uname -r), 4 clients, ${DURATION}s"
printf '%-12s %14s %14s\n' "" "TCP Gbit/s" "UDP 64B kpps"
printf '%-12s %14s %14s\n' "1 instance" "$tcp1" "$udp1"
printf '%-12s %14s %14s\n' "2 instances" "$tcp2" "$udp2"
printf '%-12s %14s %14s\n' "2 / 1" "$("$LAB_PY" -c "print(f'{$tcp2/$tcp1:.2f}x')")" \
  "$("$LAB_PY" -c "print(f'{$udp2/$udp1:.2f}x')")"
