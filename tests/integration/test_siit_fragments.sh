#!/usr/bin/env bash
# Fragmented UDP across `sixfour siit` (RFC 7915 §4.1 / §5.1.1): a 3000-byte datagram leaves the
# IPv6-only client as IPv6 fragments and must reach the IPv4 server intact (reassembled there),
# and a 3000-byte datagram with DF=0 from the IPv4 server must reach the client intact.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")  # used by tests/lab/lab.sh
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
trap lab_down EXIT

lab_up
lab_siit_start
lab_bg s4 udp4 "$LAB_PY" -u "$LAB_HOME/udp.py" serve "$LAB_S4" 7000
lab_bg c6 udp6 "$LAB_PY" -u "$LAB_HOME/udp.py" serve "$LAB_C6" 7001
lab_wait_port s4 udp "$LAB_S4" 7000
lab_wait_port c6 udp "$LAB_C6" 7001

step "c6 -> s4: 3000-byte UDP datagram (IPv6 fragments), echoed back (IPv4 fragments)"
s4_reasm=$(lab_snmp s4 IpReasmOKs)
c6_reasm=$(lab_snmp c6 Ip6ReasmOKs)
lab_ok "UDP echo of 3000 bytes from c6" c6 "$LAB_PY" "$LAB_HOME/udp.py" send "$LAB_S4_AS6" 7000 3000
assert_match "echo from s4" "sent=3000 recv=3000 match=yes" "$LAB_OUT"
assert_match "s4 got the whole datagram" "from $LAB_C6_AS4 port [0-9]+: 3000 bytes" "$(cat "$LAB_DIR/udp4.log")"
assert_gt "IPv4 datagrams reassembled by s4" "$s4_reasm" "$(lab_snmp s4 IpReasmOKs)"
assert_gt "IPv6 datagrams reassembled by c6" "$c6_reasm" "$(lab_snmp c6 Ip6ReasmOKs)"

step "s4 -> c6: 3000-byte UDP datagram, DF=0 (IPv4 fragments), echoed back (IPv6 fragments)"
s4_reasm=$(lab_snmp s4 IpReasmOKs)
c6_reasm=$(lab_snmp c6 Ip6ReasmOKs)
lab_ok "UDP echo of 3000 bytes from s4" s4 "$LAB_PY" "$LAB_HOME/udp.py" send "$LAB_C6_AS4" 7001 3000 --df0
assert_match "echo from c6" "sent=3000 recv=3000 match=yes" "$LAB_OUT"
assert_match "c6 got the whole datagram" "from $LAB_S4_AS6 port [0-9]+: 3000 bytes" "$(cat "$LAB_DIR/udp6.log")"
assert_gt "IPv6 datagrams reassembled by c6" "$c6_reasm" "$(lab_snmp c6 Ip6ReasmOKs)"
assert_gt "IPv4 datagrams reassembled by s4" "$s4_reasm" "$(lab_snmp s4 IpReasmOKs)"

step "s4 -> c6: 8000 bytes with DF=0 (6 fragments, each needing a fragment header on the IPv6 side)"
lab_ok "UDP echo of 8000 bytes from s4" s4 "$LAB_PY" "$LAB_HOME/udp.py" send "$LAB_C6_AS4" 7001 8000 --df0
assert_match "echo from c6" "sent=8000 recv=8000 match=yes" "$LAB_OUT"

lab_daemon_stop
echo PASS
