#!/usr/bin/env bash
# `sixfour gateway --pool4 192.0.2.1` (an address the host does not have): the pool4 is routed
# into the TUN like `sixfour nat64`, with no SNAT; the gateway serves only its inside interface:
# the dual-stack node ds (behind another interface of gw) gets neither NAT64 (the forward rule
# drops its IPv6 into the TUN) nor DNS64 answers (REFUSED: not an open resolver). Upstream given
# with --upstream, control socket at its default path derived from --tun.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")  # used by tests/lab/lab.sh
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
# shellcheck source=../lab/dns64.sh
source "$(dirname "$0")/../lab/dns64.sh"
# shellcheck source=../lab/gateway.sh
source "$(dirname "$0")/../lab/gateway.sh"
cleanup() {
  local rc=$?
  gateway_cleanup
  lab_down || true
  exit "$rc"
}
trap cleanup EXIT

lab_up ds
dns64_nsd_start
lab_bg s4 udp4 "$LAB_PY" -u "$LAB_HOME/udp.py" serve "$LAB_S4" 7000
lab_wait_port s4 udp "$LAB_S4" 7000
# s4 reaches the pool4 through its default route via gw, which routes it into the TUN.

step "routed pool4: no SNAT in the table"
lab_ok "print-config" gw "$SIXFOUR" gateway --inside eth-c6 --pool4 192.0.2.1 --upstream "$DNS64_NSD" \
  --allow-non-global --print-config
assert_match "pool4 routed" 'pool4 = \["192.0.2.1:1024-65535"\]  # configured; routed into the TUN' "$LAB_OUT"
assert_eq "no ports key (routed)" 0 "$(grep -c '^ports = ' <<<"$LAB_OUT" || true)"
gateway_start --pool4 192.0.2.1 --upstream "$DNS64_NSD" --allow-non-global
table=$(gateway_table)
printf '%s\n' "$table"
assert_no_match "no SNAT" "snat" "$table"
assert_match "inside-only forward rule" 'oifname "sixfour0" meta nfproto ipv6 iifname != "eth-c6" drop' "$table"
assert_match "pool4 routed into the TUN" "192.0.2.1 dev $GW_TUN" "$(lab_exec gw ip -4 route show 192.0.2.1)"

step "c6 (inside): DNS64 and NAT64 from the pool4 address"
dig6 AAAA ns.example.test
assert_eq "synthesized AAAA" "ns.example.test. 120 AAAA $GW_S4_AS6" "$(dig_answers)"
lab_ok "UDP echo" c6 "$LAB_PY" "$LAB_HOME/udp.py" send "$GW_S4_AS6" 7000 100
assert_match "s4 sees the pool4 address" "from 192.0.2.1 port [0-9]+: 100 bytes" "$(cat "$LAB_DIR/udp4.log")"

step "ds (not inside): no NAT64, no DNS64"
lab_expect_rc "ds cannot use the NAT64" 1 ds ping -n -c 2 -i 0.2 -W 1 "$GW_S4_AS6"
lab_run ds dig @2001:db8:6::1 +time=2 +tries=1 AAAA ns.example.test || true
assert_match "DNS64 refuses ds" "status: REFUSED" "$LAB_OUT"
# Eight echoes: the daemon publishes the session to the fast path after its fourth packet.
lab_ok "c6 still can" c6 ping -n -c 8 -i 0.05 -W 2 "$GW_S4_AS6"

step "control commands at the default path for --tun"
lab_expect_rc "no daemon on another TUN's path" 1 gw "$SIXFOUR" gateway stats --tun other0
lab_ok "sessions via --control" gw "$SIXFOUR" gateway sessions --control "$GW_CTL"
assert_match "a UDP session from the pool4 address" "udp +$LAB_C6#[0-9]+ +192.0.2.1#[0-9]+ +198.51.100.2#7000" "$LAB_OUT"
lab_ok "stats via --control" gw "$SIXFOUR" gateway stats --control "$GW_CTL"
# The eBPF fast path (on by default): the last echoes above were translated in the kernel.
assert_match "the NAT64's fast path" "fast path: eBPF on the TUN" "$LAB_OUT"
assert_match "replies translated in the kernel" "translated in kernel +[1-9]" "$LAB_OUT"
# On the TUN only, also with auto: at the uplinks it would skip the forward rule (docs/gateway.md).
assert_no_match "nothing translated at the uplinks" "translated at uplinks" "$LAB_OUT"
for dev in eth-c6 eth-s4; do
  lab_ok "no fast path at $dev's ingress" gw tc filter show dev "$dev" ingress
  assert_no_match "no nat64_uplink at $dev" "nat64_uplink" "$LAB_OUT"
done

step "SIGTERM"
lab_daemon_stop
assert_eq "table gone" "" "$(gateway_table)"
assert_eq "pool4 route gone" "" "$(lab_exec gw ip -4 route show 192.0.2.1)"
echo "PASS"
