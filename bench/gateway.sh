#!/usr/bin/env bash
# Benchmark: what sharing the host's IPv4 address costs. `sixfour gateway` in its two pool4 modes
# on the same lab, in alternating rounds (the machine's load changes between rounds, not within a
# pair):
#   shared  no pool4: NAT64 to the internal address 192.0.0.6, kernel SNAT (nftables + conntrack)
#           to gw's own 198.51.100.1
#   routed  --pool4 192.0.2.1 routed into the TUN: the same NAT64, no kernel NAT
# Figures: iperf3 TCP single flow c6 -> s4 (DURATION s) and new TCP connections per second
# (connect, read the server's greeting, close; 4 clients in parallel for CONN_SECONDS), which is
# where a conntrack entry per connection shows.
#
#   bench/gateway.sh [path/to/sixfour]      (as root; default build/sixfour)
set -euo pipefail
SIXFOUR=$(realpath "${1:-build/sixfour}")
export SIXFOUR
DURATION=${DURATION:-4}
CONN_SECONDS=${CONN_SECONDS:-3}
ROUNDS=${ROUNDS:-3}
# shellcheck source=../tests/lab/lab.sh
source "$(dirname "$0")/../tests/lab/lab.sh"
# shellcheck source=../tests/lab/dns64.sh
source "$(dirname "$0")/../tests/lab/dns64.sh"
# shellcheck source=../tests/lab/gateway.sh
source "$(dirname "$0")/../tests/lab/gateway.sh"
trap lab_down EXIT

lab_up >/dev/null
lab_bg s4 iperf3 iperf3 -s -B "$LAB_S4"
lab_wait_port s4 tcp "$LAB_S4" 5201
gateway_tcp_peer_serve >/dev/null  # 198.51.100.2:7001 answers "hello" and closes
cat >"$LAB_DIR/conn.py" <<'PY'
import socket, sys, time, threading
addr, port, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
count = [0] * 4
def client(i):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        s = socket.create_connection((addr, port), timeout=5)
        s.recv(16)
        s.close()
        count[i] += 1
ts = [threading.Thread(target=client, args=(i,)) for i in range(4)]
for t in ts: t.start()
for t in ts: t.join()
print(int(sum(count) / secs))
PY

measure() {  # MODE -> "GBITS CONNS"
  if [[ $1 == shared ]]; then
    gateway_start --upstream "$LAB_S4" --allow-non-global >/dev/null
  else
    gateway_start --upstream "$LAB_S4" --allow-non-global --pool4 192.0.2.1 >/dev/null
  fi
  local gbit conns
  gbit=$(lab_exec c6 iperf3 -c "$GW_S4_AS6" -t "$DURATION" -J |
    "$LAB_PY" -c 'import json,sys; print(round(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9, 2))')
  conns=$(lab_exec c6 "$LAB_PY" "$LAB_DIR/conn.py" "$GW_S4_AS6" 7001 "$CONN_SECONDS")
  lab_daemon_stop >/dev/null
  echo "$gbit $conns"
}

printf '%-8s %-8s %12s %12s\n' round mode "TCP Gbit/s" "conn/s"
for ((r = 1; r <= ROUNDS; r++)); do
  for mode in shared routed; do
    read -r g c < <(measure "$mode")
    printf '%-8s %-8s %12s %12s\n' "$r" "$mode" "$g" "$c"
  done
done
echo "date: $(date -u +%F) on $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
