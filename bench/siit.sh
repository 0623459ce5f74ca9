#!/usr/bin/env bash
# Benchmark: stateless translation through `sixfour siit` against TAYGA (the userspace SIIT peer)
# and against plain kernel IPv6 forwarding (no translation: the ceiling), in one run on one lab.
#
#   bench/siit.sh [path/to/sixfour]      (as root; default build/sixfour)
#
# Same namespaces, same addresses, one after the other:
#   kernel  c6 -> 2001:db8:4::2 (s4 given IPv6 for this row only), routed by gw's kernel
#   tayga   c6 -> 2001:db8:64::198.51.100.2, TAYGA with `map 192.0.2.2 2001:db8:6::2`
#   sixfour c6 -> 2001:db8:64::198.51.100.2, sixfour siit with EAM 2001:db8:6::/120=192.0.2.0/24
# Figures: iperf3 TCP single flow (5 s, both directions), UDP 64-byte packet rate received
# (iperf3 -u -b 0), ping RTT. Prints each figure and the sixfour/peer ratios.
set -euo pipefail
SIXFOUR=$(realpath "${1:-build/sixfour}")
export SIXFOUR
DURATION=${DURATION:-5}
# shellcheck source=../tests/lab/lab.sh
source "$(dirname "$0")/../tests/lab/lab.sh"
trap lab_down EXIT
command -v tayga >/dev/null || { echo "bench: tayga not installed (scripts/setup)" >&2; exit 1; }

lab_up >/dev/null
lab_bg s4 iperf3 iperf3 -s -B "$LAB_S4"
lab_wait_port s4 tcp "$LAB_S4" 5201

declare -A R
gbps() { "$LAB_PY" -c 'import json,sys; print(round(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9,3))'; }
measure() {  # NAME TARGET [PORT]
  local name=$1 target=$2 port=${3:-5201} j
  j=$(lab_exec c6 iperf3 -c "$target" -p "$port" -t "$DURATION" -J) || true
  R[$name.tcp]=$(gbps <<<"$j")
  j=$(lab_exec c6 iperf3 -c "$target" -p "$port" -t "$DURATION" -R -J) || true
  R[$name.tcp_rev]=$(gbps <<<"$j")
  j=$(lab_exec c6 iperf3 -c "$target" -p "$port" -t "$DURATION" -u -b 0 -l 64 -J) || true
  R[$name.udp]=$("$LAB_PY" -c '
import json,sys
s=json.load(sys.stdin)["end"]["sum"]
print(round((s["packets"]-s["lost_packets"])/s["seconds"]/1000,1), round(s["lost_percent"],1))' <<<"$j")
  local p
  p=$(lab_exec c6 ping -n -q -c 50 -i 0.01 "$target" | sed -nE 's|.*= [0-9.]+/([0-9.]+)/.*|\1|p')
  R[$name.rtt]=${p:-0}
  printf '%-8s tcp %s Gbit/s, reverse %s Gbit/s, udp64 %s kpps (loss %% %s), rtt %s ms\n' "$name" \
    "${R[$name.tcp]}" "${R[$name.tcp_rev]}" "${R[$name.udp]% *}" "${R[$name.udp]#* }" "${R[$name.rtt]}" >&2
}

# --- kernel IPv6 forwarding (ceiling)
lab_sysctl s4 net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.eth-gw.disable_ipv6=0 net.ipv6.conf.lo.disable_ipv6=0
lab_sysctl gw net.ipv6.conf.eth-s4.disable_ipv6=0
ip -n "$(lab_ns s4)" addr add 2001:db8:4::2/64 dev eth-gw nodad
ip -n "$(lab_ns gw)" addr add 2001:db8:4::1/64 dev eth-s4 nodad
ip -n "$(lab_ns s4)" -6 route add default via 2001:db8:4::1
lab_exec s4 iperf3 -s -B 2001:db8:4::2 -p 5202 -D
sleep 0.5
measure kernel 2001:db8:4::2 5202

# --- TAYGA, stateless with one static map (same addresses as sixfour's EAM)
cat >"$LAB_DIR/tayga.conf" <<CONF
tun-device nat64
ipv4-addr 192.0.2.254
prefix 2001:db8:64::/96
map 192.0.2.2 2001:db8:6::2
data-dir $LAB_DIR/tayga-data
CONF
mkdir -p "$LAB_DIR/tayga-data"
lab_exec gw tayga -c "$LAB_DIR/tayga.conf" --mktun >/dev/null
ip -n "$(lab_ns gw)" link set nat64 up
ip -n "$(lab_ns gw)" route add 192.0.2.0/24 dev nat64
ip -n "$(lab_ns gw)" -6 route add 2001:db8:64::/96 dev nat64
lab_exec gw tayga -c "$LAB_DIR/tayga.conf" -p "$LAB_DIR/tayga.pid"
sleep 0.5
measure tayga "$LAB_S4_AS6"
kill "$(cat "$LAB_DIR/tayga.pid")"; sleep 0.3
ip -n "$(lab_ns gw)" link del nat64

# --- sixfour siit
lab_siit_start >/dev/null
measure sixfour "$LAB_S4_AS6"
lab_daemon_stop >/dev/null

ratio() { "$LAB_PY" -c "a,b=float('$1'),float('$2'); print(f'{a/b:.2f}x' if b else 'n/a')"; }
echo
echo "bench/siit.sh $(date -u +%F) $(uname -r), $(nproc) cores, ${DURATION}s per figure"
printf '%-22s %10s %10s %10s %12s\n' figure kernel tayga sixfour "sixfour/tayga sixfour/kernel"
row() {  # LABEL KEY [FIELD]
  local k=${R[kernel.$2]} t=${R[tayga.$2]} s=${R[sixfour.$2]}
  k=${k%% *} t=${t%% *} s=${s%% *}
  printf '%-22s %10s %10s %10s %12s %s\n' "$1" "$k" "$t" "$s" "$(ratio "$s" "$t")" "$(ratio "$s" "$k")"
}
row "TCP c6->s4 Gbit/s" tcp
row "TCP s4->c6 Gbit/s" tcp_rev
row "UDP 64B recv kpps" udp
row "ping RTT ms (lower=better)" rtt
