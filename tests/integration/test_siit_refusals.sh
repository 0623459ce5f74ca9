#!/usr/bin/env bash
# Packets `sixfour siit` refuses get the ICMP error RFC 7915 names, from the translator's own
# address, and are counted under their reason (docs/conformance/refusals.md): a Routing header with
# Segments Left > 0 (§5.1: Parameter Problem pointing at Segments Left), an extension header after
# the Fragment header (§5.1.1 + §5.4: Destination Unreachable, administratively prohibited), an IPv4
# UDP first fragment with checksum 0 (§4.5 + §4.4: Destination Unreachable code 13). Packets are
# crafted with python3 raw sockets (tests/lab/refuse.py), which also listens for the error.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")  # used by tests/lab/lab.sh
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
trap lab_down EXIT

SELF6=2001:db8:64::c000:8  # pool6 + self4 (192.0.0.8, RFC 7600): siit's self_address_rule
SELF4=192.0.0.8
refuse() { lab_run "$1" "$LAB_PY" "$LAB_HOME/refuse.py" "$2" "$3" "$4" || true; }

lab_up
lab_siit_start

step "c6 -> s4 with a Routing header, Segments Left 1: ICMPv6 Parameter Problem, pointer 43"
before=$(lab_stat drops.source-routed)
sent=$(lab_stat icmp_errors_sent)
refuse c6 routing6 "$LAB_C6" "$LAB_S4_AS6"
# Type 4 code 0; the pointer is the offset of Segments Left: 40 (IPv6 header) + 3.
assert_eq "Parameter Problem from the translator" "error 4 0 43 from $SELF6" "$LAB_OUT"
assert_gt "drops.source-routed counts it" "$before" "$(lab_stat drops.source-routed)"
assert_gt "icmp_errors_sent counts the answer" "$sent" "$(lab_stat icmp_errors_sent)"

step "c6 -> s4, Fragment header then Destination Options: Destination Unreachable code 1"
before=$(lab_stat drops.unsupported-protocol)
refuse c6 extfrag6 "$LAB_C6" "$LAB_S4_AS6"
assert_eq "administratively prohibited from the translator" "error 1 1 0 from $SELF6" "$LAB_OUT"
assert_gt "drops.unsupported-protocol counts it" "$before" "$(lab_stat drops.unsupported-protocol)"

step "s4 -> c6, UDP first fragment with checksum 0: Destination Unreachable code 13"
before=$(lab_stat drops.udp-zero-checksum)
refuse s4 udpzero4 "$LAB_S4" "$LAB_C6_AS4"
assert_eq "communication administratively prohibited from self4" "error 3 13 0 from $SELF4" "$LAB_OUT"
assert_gt "drops.udp-zero-checksum counts it" "$before" "$(lab_stat drops.udp-zero-checksum)"

lab_daemon_stop
echo PASS
