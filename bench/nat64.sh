#!/usr/bin/env bash
# Benchmark: stateful NAT64 through `sixfour nat64` against TAYGA + iptables MASQUERADE (the
# stateless userspace translator made stateful by the kernel's NAT, the usual Linux setup) and
# against plain kernel IPv6 forwarding (no translation: the ceiling), in one run on one lab.
#
#   bench/nat64.sh [path/to/sixfour]      (as root; default build/sixfour)
#
# Same namespaces, same addresses, one after the other:
#   kernel  c6 -> 2001:db8:4::2 (s4 given IPv6 for this row only), routed by gw's kernel
#   tayga   c6 -> 2001:db8:64::198.51.100.2, TAYGA dynamic-pool 192.168.255.0/24 + MASQUERADE
#   sixfour c6 -> 2001:db8:64::198.51.100.2, sixfour nat64 --pool4 203.0.113.1
# Figures: iperf3 TCP single flow (5 s, both directions), UDP 64-byte packet rate received
# (iperf3 -u -b 0), ping RTT, and new TCP connections per second (connect, wait for the server's
# FIN, close; 4 clients in parallel for CONN_SECONDS). Prints each figure and the ratios.
set -euo pipefail
SIXFOUR=$(realpath "${1:-build/sixfour}")
export SIXFOUR
DURATION=${DURATION:-5}
CONN_SECONDS=${CONN_SECONDS:-3}
# shellcheck source=../tests/lab/lab.sh
source "$(dirname "$0")/../tests/lab/lab.sh"
# shellcheck source=../tests/lab/nat64.sh
source "$(dirname "$0")/../tests/lab/nat64.sh"
trap lab_down EXIT
command -v tayga >/dev/null || { echo "bench: tayga not installed (scripts/setup)" >&2; exit 1; }
command -v iptables >/dev/null || { echo "bench: iptables not installed" >&2; exit 1; }

lab_up >/dev/null
lab_bg s4 iperf3 iperf3 -s -B "$LAB_S4"
lab_wait_port s4 tcp "$LAB_S4" 5201

# A TCP server that accepts and closes at once, and a client that counts completed connections.
cat >"$LAB_DIR/conn.py" <<'PY'
import socket, sys, time
def serve(addr, port):
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port)); s.listen(4096)
    while True:
        c, _ = s.accept()
        c.close()
def client(addr, port, seconds):
    n = 0; fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        c = socket.socket(fam); c.settimeout(2)
        try:
            c.connect((addr, port)); c.recv(1); n += 1
        except OSError:
            pass
        c.close()
    print(n)
if sys.argv[1] == "serve": serve(sys.argv[2], int(sys.argv[3]))
else: client(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
PY
lab_bg s4 conn4 "$LAB_PY" "$LAB_DIR/conn.py" serve "$LAB_S4" 9000

declare -A R
gbps() { "$LAB_PY" -c 'import json,sys; print(round(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9,3))'; }
measure() {  # NAME TARGET [PORT] [CONNPORT]
  local name=$1 target=$2 port=${3:-5201} cport=${4:-9000} j
  j=$(lab_exec c6 iperf3 -c "$target" -p "$port" -t "$DURATION" -J) || true
  R[$name.tcp]=$(gbps <<<"$j" 2>/dev/null || echo 0)
  j=$(lab_exec c6 iperf3 -c "$target" -p "$port" -t "$DURATION" -R -J) || true
  R[$name.tcp_rev]=$(gbps <<<"$j" 2>/dev/null || echo 0)
  j=$(lab_exec c6 iperf3 -c "$target" -p "$port" -t "$DURATION" -u -b 0 -l 64 -J) || true
  R[$name.udp]=$("$LAB_PY" -c '
import json,sys
s=json.load(sys.stdin)["end"]["sum"]
print(round((s["packets"]-s["lost_packets"])/s["seconds"]/1000,1), round(s["lost_percent"],1))' <<<"$j" 2>/dev/null || echo "0 0")
  local p
  p=$(lab_exec c6 ping -n -q -c 50 -i 0.01 "$target" | sed -nE 's|.*= [0-9.]+/([0-9.]+)/.*|\1|p') || true
  R[$name.rtt]=${p:-0}
  local i pids=() total=0 f
  for i in 1 2 3 4; do
    lab_exec c6 "$LAB_PY" "$LAB_DIR/conn.py" client "$target" "$cport" "$CONN_SECONDS" >"$LAB_DIR/conn-$i.out" &
    pids+=($!)
  done
  wait "${pids[@]}" || true
  for f in "$LAB_DIR"/conn-*.out; do total=$((total + $(cat "$f" 2>/dev/null || echo 0))); done
  rm -f "$LAB_DIR"/conn-*.out
  R[$name.conn]=$((total / CONN_SECONDS))
  printf '%-8s tcp %s Gbit/s, reverse %s Gbit/s, udp64 %s kpps (loss %% %s), rtt %s ms, %s conn/s\n' "$name" \
    "${R[$name.tcp]}" "${R[$name.tcp_rev]}" "${R[$name.udp]% *}" "${R[$name.udp]#* }" "${R[$name.rtt]}" \
    "${R[$name.conn]}" >&2
}

# --- kernel IPv6 forwarding (ceiling)
lab_sysctl s4 net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.eth-gw.disable_ipv6=0 net.ipv6.conf.lo.disable_ipv6=0
lab_sysctl gw net.ipv6.conf.eth-s4.disable_ipv6=0
ip -n "$(lab_ns s4)" addr add 2001:db8:4::2/64 dev eth-gw nodad
ip -n "$(lab_ns gw)" addr add 2001:db8:4::1/64 dev eth-s4 nodad
ip -n "$(lab_ns s4)" -6 route add default via 2001:db8:4::1
lab_exec s4 iperf3 -s -B 2001:db8:4::2 -p 5202 -D
lab_bg s4 conn6 "$LAB_PY" "$LAB_DIR/conn.py" serve 2001:db8:4::2 9001
sleep 0.5
measure kernel 2001:db8:4::2 5202 9001

# --- TAYGA + MASQUERADE (as in /work/shared/peers.md)
cat >"$LAB_DIR/tayga.conf" <<CONF
tun-device nat64
ipv4-addr 192.168.255.1
ipv6-addr 2001:db8:ffff::64
prefix $N64_PREFIX
dynamic-pool 192.168.255.0/24
data-dir $LAB_DIR/tayga-data
CONF
mkdir -p "$LAB_DIR/tayga-data"
lab_exec gw tayga -c "$LAB_DIR/tayga.conf" --mktun >/dev/null
ip -n "$(lab_ns gw)" link set nat64 up
ip -n "$(lab_ns gw)" addr add 192.168.255.2/32 dev nat64
ip -n "$(lab_ns gw)" route add 192.168.255.0/24 dev nat64
ip -n "$(lab_ns gw)" -6 route add "$N64_PREFIX" dev nat64
ip -n "$(lab_ns gw)" -6 addr add 2001:db8:ffff::1/128 dev nat64
lab_exec gw iptables -t nat -A POSTROUTING -o eth-s4 -j MASQUERADE
lab_exec gw tayga -c "$LAB_DIR/tayga.conf" -p "$LAB_DIR/tayga.pid"
sleep 0.5
measure tayga "$LAB_S4_AS6"
kill "$(cat "$LAB_DIR/tayga.pid")"; sleep 0.3
ip -n "$(lab_ns gw)" link del nat64
lab_exec gw iptables -t nat -F POSTROUTING

# --- sixfour nat64
nat64_start >/dev/null
measure sixfour "$LAB_S4_AS6"
lab_exec gw "$SIXFOUR" nat64 stats --control "$LAB_CTL" >"$LAB_DIR/stats.txt" 2>&1 || true
lab_daemon_stop >/dev/null

ratio() { "$LAB_PY" -c "a,b=float('$1'),float('$2'); print(f'{a/b:.2f}x' if b else 'n/a')"; }
echo
echo "bench/nat64.sh $(date -u +%F) $(uname -r), $(nproc) cores, ${DURATION}s per figure, connections ${CONN_SECONDS}s x 4 clients"
printf '%-28s %10s %10s %10s %14s %14s\n' figure kernel tayga sixfour sixfour/tayga sixfour/kernel
row() {  # LABEL KEY
  local k=${R[kernel.$2]} t=${R[tayga.$2]} s=${R[sixfour.$2]}
  k=${k%% *} t=${t%% *} s=${s%% *}
  printf '%-28s %10s %10s %10s %14s %14s\n' "$1" "$k" "$t" "$s" "$(ratio "$s" "$t")" "$(ratio "$s" "$k")"
}
row "TCP c6->s4 Gbit/s" tcp
row "TCP s4->c6 Gbit/s" tcp_rev
row "UDP 64B recv kpps" udp
row "ping RTT ms (lower=better)" rtt
row "new TCP connections/s" conn
echo
echo "sixfour nat64 counters after the run:"
cat "$LAB_DIR/stats.txt"
