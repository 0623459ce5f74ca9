#!/usr/bin/env bash
# RFC 7757 §4 hairpinning through `sixfour siit`: an IPv6 node reaches another IPv6 node at the
# pool6 form of that node's EAM IPv4 address. The translator turns the IPv4 packet it produced
# straight back into IPv6 (destination via the EAM, source via pool6 only), so each side sees the
# other at a pool6 address and the `hairpinned` counter rises.
#   c6 owns 2001:db8:6::2 (EAM: 192.0.2.2) and 2001:db8:6::3 (EAM: 192.0.2.3);
#   2001:db8:6::2 -> 2001:db8:64::192.0.2.3 arrives at 2001:db8:6::3 from 2001:db8:64::192.0.2.2.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")  # used by tests/lab/lab.sh
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
trap lab_down EXIT

lab_up
ip -n "$(lab_ns c6)" addr add 2001:db8:6::3/64 dev eth-gw nodad
lab_siit_start
before=$(lab_stat hairpinned)

step "ICMP echo 2001:db8:6::2 -> 2001:db8:64::c000:203 (192.0.2.3 = EAM of 2001:db8:6::3)"
lab_ok "hairpinned ping" c6 ping -n -c 3 -i 0.2 -W 2 -I 2001:db8:6::2 2001:db8:64::c000:203
assert_eq "echo replies" 3 "$(ping_received "$LAB_OUT")"
assert_match "replies come from the pool6 address" "bytes from 2001:db8:64::c000:203: icmp_seq=" "$LAB_OUT"
after=$(lab_stat hairpinned)
# Each request and each reply is hairpinned once.
assert_ge "hairpinned counter rise" 6 $((after - before))

step "UDP: the server on 2001:db8:6::3 sees its peer at a pool6 address, not at its real one"
lab_bg c6 udp6 "$LAB_PY" -u "$LAB_HOME/udp.py" serve 2001:db8:6::3 7003
lab_wait_port c6 udp 2001:db8:6::3 7003
lab_ok "hairpinned UDP echo" c6 "$LAB_PY" "$LAB_HOME/udp.py" send 2001:db8:64::c000:203 7003 500
assert_match "echo" "sent=500 recv=500 match=yes" "$LAB_OUT"
assert_match "peer seen through pool6" "from 2001:db8:64::c000:20[23] port [0-9]+: 500 bytes" "$(cat "$LAB_DIR/udp6.log")"

lab_daemon_stop
echo PASS
