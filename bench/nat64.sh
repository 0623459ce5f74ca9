#!/usr/bin/env bash
# Benchmark: stateful NAT64 through `sixfour nat64` against TAYGA + iptables MASQUERADE (the
# stateless userspace translator made stateful by the kernel's NAT, the usual Linux setup) and
# against plain kernel IPv6 forwarding (no translation: the ceiling), in one run on one lab.
#
#   bench/nat64.sh [path/to/sixfour]      (as root; default build/sixfour)
#
# Same namespaces, same addresses, one after the other:
#   kernel     c6 -> 2001:db8:4::2 (s4 given IPv6 for this row only), routed by gw's kernel
#   tayga      c6 -> 2001:db8:64::198.51.100.2, TAYGA dynamic-pool 192.168.255.0/24 + MASQUERADE
#   sixfour    c6 -> 2001:db8:64::198.51.100.2, sixfour nat64 --pool4 203.0.113.1 (defaults:
#              TUN offloads on, one worker per CPU,
#              and the eBPF fast path on)
#   six-slow   the same with --fast-path off (every packet through the daemon)
#   six-tun    the same with --fast-path tun (the eBPF program on the TUN only, not at the uplinks)
#   six-w1     the same with --workers 1
#   six-w2     the same with --workers 2
#   six-nooff  the same with --offload off (one packet per read/write, as before issue 5)
# Figures: iperf3 TCP single flow (DURATION s, both directions), TCP 4 parallel flows, UDP 64-byte
# packet rate received (iperf3 -u -b 0), the same datagrams from bench/udp_flood.c (sendmmsg, so
# the sender is not what sets the rate; counted at s4's UDP layer) and ping RTT (each the median
# of UDP_ROUNDS=3 runs), new TCP connections per second (bench/conn_storm.c: connect, wait for
# the server's FIN, close; 4 clients in parallel for CONN_SECONDS), and the translator process's
# CPU time per gigabit moved during the single-flow c6 -> s4 run (utime + stime of all its threads
# from /proc/PID/stat; the kernel row has no such process: n/a). The work the kernel does in softirq
# context on the translator's behalf (forwarding the packets it reads and writes) is not in it, so
# it is the translator's own cost, not the machine's. At the end, issue 15's bars again with both
# sides measured at the same moments: the ping 10 ms apart, the flood and TCP through the kernel
# and the default daemon in turn (TURN_ROUNDS rounds, bench_in_turn), then connections/s and the
# flood through TAYGA and the default daemon in turn (CONN_ROUNDS rounds, bench_peer_in_turn;
# both in bench/translator_lib.sh).
set -euo pipefail
# Same scheduling footing for both translators: TAYGA detaches into a session of its own (so, with
# the kernel's autogroup scheduling, a CPU share of its own, as any service would get under a
# service manager), so sixfour is started in a session of its own too (LAB_SETSID, lab.sh). Left in
# the script's session, sixfour would share one group's CPU with both iperf3 endpoints and get
# about a third of the machine to TAYGA's half (measured: 0.65-0.7 CPU against 0.9).
export LAB_SETSID=1
SIXFOUR=$(realpath "${1:-build/sixfour}")
export SIXFOUR
DURATION=${DURATION:-5}
CONN_SECONDS=${CONN_SECONDS:-3}
# shellcheck source=../tests/lab/lab.sh
source "$(dirname "$0")/../tests/lab/lab.sh"
# shellcheck source=../tests/lab/nat64.sh
source "$(dirname "$0")/../tests/lab/nat64.sh"
# shellcheck source=./translator_lib.sh
source "$(dirname "$0")/translator_lib.sh"
trap lab_down EXIT
command -v tayga >/dev/null || { echo "bench: tayga not installed (scripts/setup)" >&2; exit 1; }
command -v iptables >/dev/null || { echo "bench: iptables not installed" >&2; exit 1; }

lab_up >/dev/null
lab_bg s4 iperf3 iperf3 -s -B "$LAB_S4"
lab_wait_port s4 tcp "$LAB_S4" 5201
bench_conn_server "$LAB_S4" 9000
bench_udp_sink

# --- kernel IPv6 forwarding (ceiling)
bench_kernel_ipv6
lab_bg s4 conn6 "$LAB_DIR/conn_storm" serve 2001:db8:4::2 9001
sleep 0.5
measure kernel 2001:db8:4::2 "" full 5202 9001

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
tayga_up() {
  lab_exec gw tayga -c "$LAB_DIR/tayga.conf" --mktun >/dev/null
  ip -n "$(lab_ns gw)" link set nat64 up
  ip -n "$(lab_ns gw)" addr add 192.168.255.2/32 dev nat64
  ip -n "$(lab_ns gw)" route add 192.168.255.0/24 dev nat64
  ip -n "$(lab_ns gw)" -6 route add "$N64_PREFIX" dev nat64
  ip -n "$(lab_ns gw)" -6 addr add 2001:db8:ffff::1/128 dev nat64
  lab_exec gw iptables -t nat -A POSTROUTING -o eth-s4 -j MASQUERADE
  lab_exec gw tayga -c "$LAB_DIR/tayga.conf" -p "$LAB_DIR/tayga.pid"
  sleep 0.5
}
tayga_down() {
  kill "$(cat "$LAB_DIR/tayga.pid")"
  sleep 0.3
  ip -n "$(lab_ns gw)" link del nat64
  lab_exec gw iptables -t nat -F POSTROUTING
}
tayga_up
measure tayga "$LAB_S4_AS6" "$(cat "$LAB_DIR/tayga.pid")" full
tayga_down

# --- sixfour nat64: defaults, then one and two workers, then without offloads
sixfour_run() {  # NAME full|short [EXTRA FLAGS...]
  local name=$1 depth=$2
  shift 2
  nat64_start "$@" >/dev/null
  measure "$name" "$LAB_S4_AS6" "$LAB_DAEMON_PID" "$depth"
  lab_exec gw "$SIXFOUR" nat64 stats --control "$LAB_CTL" >"$LAB_DIR/stats-$name.txt" 2>&1 || true
  lab_daemon_stop >/dev/null
}
sixfour_run sixfour full
sixfour_run six-slow full --fast-path off
sixfour_run six-tun full --fast-path tun
sixfour_run six-w1 short --workers 1
sixfour_run six-w2 short --workers 2
sixfour_run six-nooff short --offload off
bench_in_turn 2001:db8:4::2 5202 "$LAB_S4_AS6" 5201 nat64_start
bench_peer_in_turn "$LAB_S4_AS6" tayga tayga_up tayga_down sixfour nat64_start lab_daemon_stop

echo
echo "bench/nat64.sh $(date -u '+%F %H:%M') UTC, $(uname -r), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)," \
  "${DURATION}s per figure, connections ${CONN_SECONDS}s x 4 clients"
print_table kernel tayga sixfour six-slow six-tun six-w1 six-w2 six-nooff
echo
echo "issue 15 targets (sixfour = defaults, eBPF fast path; six-slow = --fast-path off):"
target "UDP 64B pps forwarded vs kernel" udp_fwd sixfour kernel 0.9 ">="
target "UDP 64B pps received vs kernel" udp sixfour kernel 0.9 ">="
target "UDP 64B pps forwarded vs TAYGA" udp_fwd sixfour tayga 2 ">="
target "UDP 64B flood (sendmmsg) vs kernel" flood sixfour kernel 0.9 ">="
target "  the same, in turn" flood_il sixfour kernel 0.9 ">="
target "UDP 64B flood (sendmmsg) vs TAYGA" flood sixfour tayga 2 ">="
target "  the same, in turn" flood_peer_il sixfour tayga 2 ">="
target "ping RTT 10 ms apart vs kernel" rtt sixfour kernel 1.2 "<="
target "  the same, in turn" rtt_il sixfour kernel 1.2 "<="
target "ping RTT back to back vs kernel" rtt_flood sixfour kernel 1.2 "<="
target "new TCP connections/s vs TAYGA" conn sixfour tayga 1.5 ">="
target "  the same, in turn" conn_il sixfour tayga 1.5 ">="
target "TCP 1 flow c6->s4 vs kernel" tcp sixfour kernel 0.9 ">="
target "  the same, in turn" tcp_il sixfour kernel 0.9 ">="
target "TCP 1 flow s4->c6 vs kernel" tcp_rev sixfour kernel 0.9 ">="
target "  the same, in turn" tcp_rev_il sixfour kernel 0.9 ">="
target "fast path vs off, UDP 64B forwarded" udp_fwd sixfour six-slow 1 ">="
target "fast path vs off, ping RTT" rtt sixfour six-slow 1 "<="
echo
echo "issue 5 targets (sixfour = defaults):"
target "TCP 1 flow c6->s4 vs kernel" tcp sixfour kernel 0.5 ">="
target "TCP 1 flow s4->c6 vs kernel" tcp_rev sixfour kernel 0.5 ">="
target "TCP 1 flow c6->s4 vs TAYGA" tcp sixfour tayga 10 ">="
target "TCP 1 flow s4->c6 vs TAYGA" tcp_rev sixfour tayga 10 ">="
target "TCP 4 flows vs TAYGA" tcp4 sixfour tayga 10 ">="
target "UDP 64B pps received vs TAYGA" udp sixfour tayga 2 ">="
target "UDP 64B pps forwarded vs TAYGA" udp_fwd sixfour tayga 2 ">="
target "ping RTT vs kernel" rtt sixfour kernel 1.5 "<="
target "workers 2 vs 1, TCP 4 flows" tcp4 six-w2 six-w1 1 ">="
target "workers 2 vs 1, UDP 64B pps" udp six-w2 six-w1 1 ">="
target "offloads on vs off, TCP 1 flow" tcp sixfour six-nooff 1 ">="
echo
echo "issue 3 targets (sixfour = defaults):"
target "TCP 1 flow c6->s4 vs TAYGA" tcp sixfour tayga 2 ">="
target "TCP 1 flow s4->c6 vs TAYGA" tcp_rev sixfour tayga 2 ">="
target "UDP 64B pps received vs TAYGA" udp sixfour tayga 1 ">="
target "UDP 64B pps forwarded vs TAYGA" udp_fwd sixfour tayga 1 ">="
echo
echo "sixfour nat64 counters after the default run:"
cat "$LAB_DIR/stats-sixfour.txt"
echo
echo "sixfour nat64 counters after the --fast-path off run:"
cat "$LAB_DIR/stats-six-slow.txt"
