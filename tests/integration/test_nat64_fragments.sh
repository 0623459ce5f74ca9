#!/usr/bin/env bash
# Fragmented UDP through `sixfour nat64` (RFC 6146 §3.4 needs the transport header, so fragments
# are reassembled before the session lookup; RFC 7915 §5.1.1 / §4.1 fragment on the way out):
# a 3000-byte datagram leaves c6 as IPv6 fragments and must reach s4 whole; s4's echo (DF=0)
# comes back as IPv4 fragments and must reach c6 whole. 8000 bytes makes six fragments.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")  # used by tests/lab/lab.sh
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
# shellcheck source=../lab/nat64.sh
source "$(dirname "$0")/../lab/nat64.sh"
trap lab_down EXIT

lab_up
nat64_start
lab_bg s4 udp4 "$LAB_PY" -u "$LAB_HOME/udp.py" serve "$LAB_S4" 7000
lab_wait_port s4 udp "$LAB_S4" 7000

step "fragmented UDP: 3000 bytes c6 -> s4 (IPv6 fragments), echoed back as IPv4 fragments (DF=0)"
s4_reasm=$(lab_snmp s4 IpReasmOKs)
c6_reasm=$(lab_snmp c6 Ip6ReasmOKs)
lab_ok "UDP echo of 3000 bytes" c6 "$LAB_PY" "$LAB_HOME/udp.py" send "$LAB_S4_AS6" 7000 3000
assert_match "echo" "sent=3000 recv=3000 match=yes" "$LAB_OUT"
assert_match "s4 got the whole datagram" "from $N64_POOL4 port [0-9]+: 3000 bytes" "$(cat "$LAB_DIR/udp4.log")"
assert_gt "IPv6 datagrams reassembled by c6 (the reply came as fragments)" "$c6_reasm" "$(lab_snmp c6 Ip6ReasmOKs)"
assert_gt "IPv4 datagrams reassembled by s4 (it came as IPv4 fragments)" "$s4_reasm" "$(lab_snmp s4 IpReasmOKs)"
lab_ok "UDP echo of 8000 bytes" c6 "$LAB_PY" "$LAB_HOME/udp.py" send "$LAB_S4_AS6" 7000 8000
assert_match "echo" "sent=8000 recv=8000 match=yes" "$LAB_OUT"

stats=$(nat64_stats)
assert_eq "nothing dropped for the fragment budget" 0 "$(nat64_stat fragment-budget "$stats")"
assert_eq "no datagram timed out in reassembly" 0 "$(nat64_stat state.fragments.timed-out "$stats")"
assert_ge "fragments held for reassembly (at least one per fragmented datagram)" 4 "$(nat64_stat fragments-held "$stats")"

lab_daemon_stop
echo PASS
