#!/usr/bin/env bash
# Benchmark: IPv4 from the laptop through `sixfour clat` and the carrier's `sixfour nat64`,
# against the same flow as IPv6 straight to the NAT64 (the ceiling: no CLAT in the path) and
# against TAYGA set up as a CLAT the way clatd does it, in one run on the hotspot lab
# (tests/lab/clat.sh). Prints figures and ratios; no thresholds.
#
#   bench/clat.sh [path/to/sixfour]      (as root; default build/sixfour)
#
#   ceiling  laptop -> [2001:db8:64::198.51.100.2] over IPv6, carrier NAT64 -> server
#   tayga    laptop -> 198.51.100.2 over IPv4: TAYGA in the laptop (clatd's set-up, below)
#   sixfour  laptop -> 198.51.100.2 over IPv4: sixfour clat in the laptop (skipped while the
#            subcommand does not exist)
#
# TAYGA as clatd drives it: tayga.conf with tun-device clat, ipv4-addr 192.0.0.2, prefix = the
# NAT64 prefix, map 192.0.0.1 = a dedicated IPv6 address in the laptop's /64; 192.0.0.1/32 on the
# TUN, an IPv6 route for the dedicated address into the TUN, the IPv4 default route through it
# (metric 2048, MTU TAYGA_MTU = uplink MTU - 28 by default, where clatd's default is 1260: the
# same MTU as sixfour's for a fair comparison); and on the host: net.ipv6.conf.all.forwarding=1
# (the translated packets are forwarded between the TUN and the uplink), accept_ra=2 on the uplink
# (forwarding would make the kernel ignore RAs), proxy_ndp=1 on the uplink and a proxy neighbour
# entry for the dedicated address (so the router's neighbour solicitations for it are answered).
# All of it is undone before the sixfour row.
#
# Figures (bench/translator_lib.sh): iperf3 TCP single flow for DURATION s (both directions),
# 4 flows, UDP 64-byte packet rate (median of UDP_ROUNDS), ping RTT, and the CLAT process's CPU
# (no connections-per-second row: the CLAT is stateless, the NAT64 bench measures that).
# The carrier's NAT64 is in every path and shares the machine's CPUs with the CLAT, iperf3's two
# ends and the kernel.
set -euo pipefail
export LAB_SETSID=1 # the CLATs get a scheduling group of their own, as TAYGA (a daemon) does
SIXFOUR=$(realpath "${1:-build/sixfour}")
export SIXFOUR
DURATION=${DURATION:-10}
# shellcheck source=../tests/lab/lab.sh
source "$(dirname "$0")/../tests/lab/lab.sh"
# shellcheck source=../tests/lab/clat.sh
source "$(dirname "$0")/../tests/lab/clat.sh"
# shellcheck disable=SC2034 # read by translator_lib.sh's measure()
BENCH_CLIENT=laptop BENCH_SERVER=server
# shellcheck source=./translator_lib.sh
source "$(dirname "$0")/translator_lib.sh"
trap clat_lab_down EXIT
command -v tayga >/dev/null || { echo "bench: tayga not installed (scripts/setup)" >&2; exit 1; }
TAYGA_MTU=${TAYGA_MTU:-}

clat_lab_up --pref64 "$CLAT_PREFIX" >/dev/null
UPLINK_MTU=$(lab_exec laptop cat /sys/class/net/eth-carrier/mtu)
TAYGA_MTU=${TAYGA_MTU:-$((UPLINK_MTU - 28))}
names=(ceiling)

# --- (a) the ceiling: IPv6 straight to the NAT64-synthesized address
measure ceiling "$CLAT_S4_AS6" "" full 5201 ""

# --- (c) TAYGA as a CLAT, the clatd way
tayga_clat_up() {
  local ns laptop6 net
  ns=$(lab_ns laptop)
  laptop6=$(clat_laptop_addr "$CLAT_NET6")
  net=${CLAT_NET6%::/64}
  TAYGA_V6=$net::c1a7 # the CLAT's dedicated address (clatd derives one in the uplink's /64)
  [[ $TAYGA_V6 != "$laptop6" ]] || fail "dedicated address collides with the laptop's"
  mkdir -p "$LAB_DIR/tayga-clat"
  cat >"$LAB_DIR/tayga-clat.conf" <<CONF
tun-device clat
ipv4-addr 192.0.0.2
prefix $CLAT_PREFIX
map 192.0.0.1 $TAYGA_V6
data-dir $LAB_DIR/tayga-clat
CONF
  TAYGA_SYSCTL0=$(lab_exec laptop sysctl -n net.ipv6.conf.all.forwarding net.ipv6.conf.eth-carrier.accept_ra \
    net.ipv6.conf.eth-carrier.proxy_ndp | xargs)
  lab_exec laptop tayga -c "$LAB_DIR/tayga-clat.conf" --mktun >/dev/null
  ip -n "$ns" link set clat up
  ip -n "$ns" -4 addr add 192.0.0.1/32 dev clat
  ip -n "$ns" -6 route add "$TAYGA_V6/128" dev clat
  ip -n "$ns" -4 route add default dev clat metric 2048 mtu "$TAYGA_MTU" advmss $((TAYGA_MTU - 40))
  lab_sysctl laptop net.ipv6.conf.eth-carrier.accept_ra=2 net.ipv6.conf.all.forwarding=1 \
    net.ipv6.conf.eth-carrier.proxy_ndp=1
  ip -n "$ns" -6 neigh add proxy "$TAYGA_V6" dev eth-carrier
  lab_exec laptop tayga -c "$LAB_DIR/tayga-clat.conf" -p "$LAB_DIR/tayga-clat.pid"
  local i
  for ((i = 0; i < 50; i++)); do
    [[ -s $LAB_DIR/tayga-clat.pid ]] && break
    sleep 0.1
  done
  TAYGA_PID=$(cat "$LAB_DIR/tayga-clat.pid")
  lab_exec laptop ping -4 -n -c 3 -i 0.2 -W 2 "$CLAT_S4" >/dev/null ||
    fail "TAYGA as a CLAT: ping -4 $CLAT_S4 does not work"
  lab_log "TAYGA CLAT pid $TAYGA_PID: 192.0.0.1 <-> $TAYGA_V6, prefix $CLAT_PREFIX, IPv4 MTU $TAYGA_MTU"
}

tayga_clat_down() {
  local ns
  ns=$(lab_ns laptop)
  kill "$TAYGA_PID" 2>/dev/null || true
  sleep 0.3
  ip -n "$ns" link del clat 2>/dev/null || true
  ip -n "$ns" -6 neigh del proxy "$TAYGA_V6" dev eth-carrier 2>/dev/null || true
  local f a p
  read -r f a p <<<"$TAYGA_SYSCTL0"
  lab_sysctl laptop net.ipv6.conf.all.forwarding="$f" net.ipv6.conf.eth-carrier.accept_ra="$a" \
    net.ipv6.conf.eth-carrier.proxy_ndp="$p"
  # all.forwarding is copied to every interface: put the uplink back as clat_lab_up left it.
  lab_sysctl laptop net.ipv6.conf.eth-carrier.forwarding=0 net.ipv6.conf.eth-carrier.accept_ra=1 \
    net.ipv6.conf.eth-carrier.autoconf=1
  clat_leftovers >/dev/null
}

tayga_clat_up
measure tayga "$CLAT_S4" "$TAYGA_PID" full 5201 ""
tayga_clat_down
names+=(tayga)

# --- (b) sixfour clat
if lab_exec laptop "$SIXFOUR" clat --help >/dev/null 2>&1; then
  clat_start --uplink eth-carrier >/dev/null
  measure sixfour "$CLAT_S4" "$CLAT_PID" full 5201 ""
  lab_exec laptop "$SIXFOUR" clat stats --control "$CLAT_CTL" >"$LAB_DIR/stats-clat.txt" 2>&1 || true
  clat_stop >/dev/null
  clat_leftovers >/dev/null
  names+=(sixfour)
else
  echo "bench: '$SIXFOUR clat' does not exist yet: the sixfour row is skipped" >&2
fi

echo
echo "bench/clat.sh $(date -u '+%F %H:%M') UTC, $(uname -r), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)," \
  "${DURATION}s per figure; uplink MTU $UPLINK_MTU, TAYGA IPv4 MTU $TAYGA_MTU"
print_table "${names[@]}"
echo
echo "ratios (issue 14 asks sixfour/ceiling >= 0.8x and sixfour/tayga >= 8x on TCP):"
for fig in tcp tcp_rev tcp4 udp; do
  printf '  %-10s tayga/ceiling %-7s' "$fig" "$(ratio "${R[tayga.$fig]:-0}" "${R[ceiling.$fig]:-0}")"
  if [[ -n ${R[sixfour.$fig]:-} ]]; then
    printf ' sixfour/ceiling %-7s sixfour/tayga %s' "$(ratio "${R[sixfour.$fig]}" "${R[ceiling.$fig]}")" \
      "$(ratio "${R[sixfour.$fig]}" "${R[tayga.$fig]}")"
  else
    printf ' sixfour: n/a (no sixfour clat yet)'
  fi
  printf '\n'
done
if [[ -s $LAB_DIR/stats-clat.txt ]]; then
  echo
  echo "sixfour clat counters after the run:"
  cat "$LAB_DIR/stats-clat.txt"
fi
