#!/usr/bin/env bash
# Path MTU and fragmentation across `sixfour nat64` (RFC 7915 §4, §4.2, §5.2; RFC 6146 §3.4):
#  - a DF=0 IPv4 reply larger than lowest-ipv6-mtu (1280) reaches the IPv6 client as IPv6
#    fragments of the right sizes, whether it came whole or as IPv4 fragments (reassembled first);
#  - the kernel's own errors about translated packets (a narrow link behind the TUN) reach the
#    original sender translated, with the MTU adjusted by the 20-byte header difference;
#  - the translator's own Fragmentation Needed (a DF=1 packet too big for the TUN once translated)
#    carries the right MTU, from the host's address with --icmp-source host.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")  # used by tests/lab/lab.sh
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
# shellcheck source=../lab/nat64.sh
source "$(dirname "$0")/../lab/nat64.sh"
trap lab_down EXIT

# cap_start NODE NAME IFACE FILTER...: tcpdump in NODE, decoded into $LAB_DIR/NAME.log, ready on return.
cap_start() {
  local node=$1 name=$2 ifc=$3 i
  shift 3
  lab_bg "$node" "$name" tcpdump -i "$ifc" -nn -v -l --immediate-mode "$@"
  for ((i = 0; i < 50; i++)); do
    grep -q 'listening on' "$LAB_DIR/$name.log" 2>/dev/null && return 0
    sleep 0.1
  done
  fail "tcpdump in $node did not start: $(cat "$LAB_DIR/$name.log")"
}
# cap_stop NAME: stops the capture and prints what it saw, one packet per line.
cap_stop() {
  local pid_var="LAB_PID_$1"
  sleep 0.3
  kill -INT "${!pid_var}" 2>/dev/null || true
  wait "${!pid_var}" 2>/dev/null || true
  # -v continues a packet on indented lines: join them.
  awk '/^[0-9][0-9]:/ { if (l != "") print l; l = $0; next } /^[ \t]/ { l = l " " $0 } END { if (l != "") print l }' \
    "$LAB_DIR/$1.log"
}

lab_up
nat64_start
lab_bg s4 udp4 "$LAB_PY" -u "$LAB_HOME/udp.py" serve "$LAB_S4" 7000
lab_bg s4 udp4df "$LAB_PY" -u "$LAB_HOME/udp.py" serve "$LAB_S4" 7001 --df
lab_wait_port s4 udp "$LAB_S4" 7000
lab_wait_port s4 udp "$LAB_S4" 7001

step "DF=0 reply of 1428 bytes (IPv4, unfragmented) -> IPv6 fragments of 1280 and 224 bytes"
cap_start c6 c6a eth-gw ip6 and src "$LAB_S4_AS6"
lab_ok "UDP echo of 1400 bytes" c6 "$LAB_PY" "$LAB_HOME/udp.py" send "$LAB_S4_AS6" 7000 1400
assert_match "echo" "sent=1400 recv=1400 match=yes" "$LAB_OUT"
got=$(cap_stop c6a)
printf '%s\n' "$got"
assert_match "first fragment: 1232 bytes after the Fragment header (1280 in all)" 'frag \([^:]*:0\|1232\)' "$got"
assert_match "last fragment: the remaining 176 bytes" 'frag \([^:]*:1232\|176\)' "$got"
assert_no_match "no unfragmented copy" 'payload length: 1408' "$got"

step "DF=0 reply of 3028 bytes that s4 sends as IPv4 fragments -> reassembled -> IPv6 fragments"
cap_start c6 c6b eth-gw ip6 and src "$LAB_S4_AS6"
lab_ok "UDP echo of 3000 bytes" c6 "$LAB_PY" "$LAB_HOME/udp.py" send "$LAB_S4_AS6" 7000 3000
assert_match "echo" "sent=3000 recv=3000 match=yes" "$LAB_OUT"
got=$(cap_stop c6b)
printf '%s\n' "$got"
assert_match "fragment 1" 'frag \([^:]*:0\|1232\)' "$got"
assert_match "fragment 2" 'frag \([^:]*:1232\|1232\)' "$got"
assert_match "fragment 3" 'frag \([^:]*:2464\|544\)' "$got"

# --- The kernel's own errors about translated packets: a 1400-byte link behind the TUN.
step "s4 -> c6, DF=1, over a 1400-byte IPv6 link: the gateway kernel's Packet Too Big (1400) reaches s4 as Fragmentation Needed 1380"
lab_link_mtu c6 gw 1400
cap_start s4 s4a eth-gw icmp
lab_run c6 "$LAB_PY" "$LAB_HOME/udp.py" send "$LAB_S4_AS6" 7001 1400 --timeout 1 || true
got=$(cap_stop s4a)
printf '%s\n' "$got"
assert_match "Fragmentation Needed about the reply, MTU 1380" "ICMP $N64_POOL4 unreachable - need to frag \(mtu 1380\)" "$got"
lab_ok "s4 route to the pool4 address" s4 ip route get "$N64_POOL4"
assert_match "s4 learned the path MTU" ' mtu 1380 ' "$LAB_OUT "
assert_match "s4 refused the next too-big reply itself" "send error" "$(cat "$LAB_DIR/udp4df.log")"
lab_ok "UDP echo of 1352 bytes (1380 in IPv4, 1400 in IPv6) with DF=1" c6 \
  "$LAB_PY" "$LAB_HOME/udp.py" send "$LAB_S4_AS6" 7001 1352
assert_match "echo" "sent=1352 recv=1352 match=yes" "$LAB_OUT"
lab_link_mtu c6 gw 1500

step "c6 -> s4 over a 1400-byte IPv4 link: the gateway kernel's Fragmentation Needed (1400) reaches c6 as Packet Too Big 1420"
lab_link_mtu gw s4 1400
lab_exec c6 ip -6 route flush cache
lab_ok "UDP echo of 1400 bytes, sent again as IPv6 fragments after the Packet Too Big" c6 \
  "$LAB_PY" "$LAB_HOME/udp.py" send "$LAB_S4_AS6" 7000 1400 --timeout 1
assert_match "echo" "sent=1400 recv=1400 match=yes" "$LAB_OUT"
lab_ok "c6 route to s4" c6 ip -6 route get "$LAB_S4_AS6"
assert_match "c6 learned the path MTU from a translated Packet Too Big" ' mtu 1420 ' "$LAB_OUT "
lab_link_mtu gw s4 1500
lab_daemon_stop

# --- The translator's own Fragmentation Needed, from the host's own address (--icmp-source host).
step "--mtu 1400 --icmp-source host: DF=1 1400-byte IPv4 -> 1420 in IPv6 -> Fragmentation Needed 1380 from 198.51.100.1"
lab_exec s4 ip route flush cache
lab_exec gw ip route add default via "$LAB_S4" dev eth-s4
nat64_start --mtu 1400 --icmp-source host
assert_match "start line names the source" \
  "own ICMP errors from $LAB_GW4 and 2001:db8:64::c633:6401 \(icmp-source host: eth-s4\)" "$(cat "$LAB_DAEMON_LOG")"
strs=$(nat64_query stats | "$LAB_PY" "$LAB_HOME/flatjson.py" --strings)
assert_match "stats: icmp_source" $'(^|\n)icmp_source.ipv4 '"$LAB_GW4"$'\nicmp_source.ipv6 2001:db8:64::c633:6401\n' "$strs"
lab_link_mtu c6 gw 1400  # so that c6 fragments its 1400-byte request at the source
cap_start s4 s4b eth-gw icmp
lab_run c6 "$LAB_PY" "$LAB_HOME/udp.py" send "$LAB_S4_AS6" 7001 1372 --timeout 1 || true
got=$(cap_stop s4b)
printf '%s\n' "$got"
assert_match "the translator's Fragmentation Needed, from the host's address" \
  "IP [^>]*$LAB_GW4 > $LAB_S4: ICMP $N64_POOL4 unreachable - need to frag \(mtu 1380\)" "$got"
lab_ok "s4 route to the pool4 address" s4 ip route get "$N64_POOL4"
assert_match "s4 learned the path MTU" ' mtu 1380 ' "$LAB_OUT "
assert_ge "ICMP errors the NAT64 sent" 1 "$(nat64_stat icmp-errors-sent)"

lab_daemon_stop
echo PASS
