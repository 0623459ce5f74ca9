#!/usr/bin/env bash
# Packets `sixfour nat64` refuses get the ICMP error RFC 6146 / RFC 7915 name, and are counted
# (docs/conformance/refusals.md): UDP from the IPv4 side to a pool4 port without a BIB entry (ICMP
# Port Unreachable from the pool4 address), a protocol other than TCP/UDP/ICMP from either side
# (ICMPv6 Parameter Problem code 1 pointing at Next Header; ICMPv4 Protocol Unreachable), and a
# Routing header with Segments Left > 0 (RFC 7915 §5.1), and a datagram whose reassembly times out
# (RFC 8200 §4.5: Time Exceeded, code 1). Crafted with tests/lab/refuse.py. With
# --icmp-rate-per-destination, a flood of such packets from one client is answered at that rate.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")  # used by tests/lab/lab.sh
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
# shellcheck source=../lab/nat64.sh
source "$(dirname "$0")/../lab/nat64.sh"
trap lab_down EXIT

SELF6=$N64_POOL4_AS6  # the first pool4 address embedded in the prefix: nat64's self_address_rule
refuse() { lab_run "$1" "$LAB_PY" "$LAB_HOME/refuse.py" "$2" "$3" "$4" || true; }

lab_up
nat64_start

step "s4 -> pool4 UDP port without a BIB entry: ICMP Port Unreachable from the pool4 address"
before=$(nat64_stat no-bib)
sent=$(nat64_stat icmp-errors-sent)
udp_probe s4 "$N64_POOL4" 4444 || true
assert_eq "the sender's socket is refused" "error ECONNREFUSED" "$LAB_OUT"
assert_gt "drops.no-bib counts it" "$before" "$(nat64_stat no-bib)"
assert_gt "icmp-errors-sent counts the answer" "$sent" "$(nat64_stat icmp-errors-sent)"
assert_eq "no BIB entry was created" "" "$(nat64_rows bib)"

step "c6 -> s4 with Next Header 132 (SCTP): ICMPv6 Parameter Problem code 1, pointer 6"
before=$(nat64_stat unsupported-protocol)
refuse c6 proto6 "$LAB_C6" "$LAB_S4_AS6"
assert_eq "unrecognized Next Header from the NAT64" "error 4 1 6 from $SELF6" "$LAB_OUT"
assert_gt "drops.unsupported-protocol counts it" "$before" "$(nat64_stat unsupported-protocol)"

step "s4 -> pool4 with protocol 132: ICMPv4 Protocol Unreachable from the pool4 address"
before=$(nat64_stat unsupported-protocol)
refuse s4 proto4 "$LAB_S4" "$N64_POOL4"
assert_eq "protocol unreachable" "error 3 2 0 from $N64_POOL4" "$LAB_OUT"
assert_gt "drops.unsupported-protocol counts it" "$before" "$(nat64_stat unsupported-protocol)"

step "c6 -> s4 with a Routing header, Segments Left 1: Parameter Problem, pointer 43"
before=$(nat64_stat source-routed)
refuse c6 routing6 "$LAB_C6" "$LAB_S4_AS6"
assert_eq "Parameter Problem from the NAT64" "error 4 0 43 from $SELF6" "$LAB_OUT"
assert_gt "drops.source-routed counts it" "$before" "$(nat64_stat source-routed)"
assert_eq "still no BIB entry" "" "$(nat64_rows bib)"

step "c6 -> s4, a first fragment whose datagram is never completed: Time Exceeded, code 1"
before=$(nat64_stat fragments.time-exceeded-sent)
refuse c6 firstfrag6 "$LAB_C6" "$LAB_S4_AS6"
# RFC 8200 §4.5: fragment reassembly time exceeded, after the 2 s reassembly timeout.
assert_eq "Time Exceeded from the NAT64" "error 3 1 0 from $SELF6" "$LAB_OUT"
assert_gt "fragments.time-exceeded-sent counts it" "$before" "$(nat64_stat fragments.time-exceeded-sent)"

lab_daemon_stop

# RFC 4443 §2.4 (f) per destination: the ICMPv6 errors to one flooding client are held to the rate,
# while another client address still gets its error at once.
N=400
RATE=10
C6_OTHER=2001:db8:6::3
step "--icmp-rate-per-destination $RATE: c6 floods $N refused packets, another address still answered"
ip -n "$(lab_ns c6)" addr add "$C6_OTHER/64" dev eth-gw nodad
nat64_start --workers 1 --icmp-rate 1000 --icmp-rate-per-destination "$RATE"
lab_ok "flood of $N from c6" c6 "$LAB_PY" "$LAB_HOME/refuse.py" proto6 "$LAB_C6" "$LAB_S4_AS6" --flood "$N"
read -r _ sent _ got _ took _ <<<"$LAB_OUT"
assert_eq "all sent" "$N" "$sent"
refuse c6 proto6 "$C6_OTHER" "$LAB_S4_AS6"
assert_eq "the other address is answered" "error 4 1 6 from $SELF6" "$LAB_OUT"
stats=$(nat64_stats)
answered=$(nat64_stat icmp-errors-sent "$stats")
limited=$(nat64_stat icmp-errors-limited "$stats")
# Burst min(RATE, 50) = RATE, then RATE a second, shared by the worker and the housekeeping thread
# (half each); plus the one to the other address.
max=$(awk -v t="$took" -v r="$RATE" 'BEGIN { printf "%d", r + r * (t + 1) + 1 + 1 }')
echo "answered $answered (flood got $got), limited $limited, allowed at most $max"
assert_ge "the flooded client got the worker's burst" $((RATE / 2)) "$got"
[[ $answered -le $max ]] || fail "$answered errors sent, more than the $max the per-destination rate allows"
assert_eq "every refused packet is either answered or limited" $((N + 1)) $((answered + limited))

lab_daemon_stop
echo PASS
