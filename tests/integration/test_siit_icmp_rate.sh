#!/usr/bin/env bash
# The ICMP errors `sixfour siit` makes itself are held to --icmp-rate (RFC 4443 §2.4 (f)): c6 floods
# the translator with 400 packets it must refuse (a Fragment header followed by Destination Options,
# answered with Destination Unreachable code 1), one worker so that one bucket sees them all; at
# most the burst (50) plus the rate times the time taken come back, the rest are counted as
# rate-limited, and nothing is lost from the counts. With --icmp-rate 0 every one is answered.
# --icmp-rate-per-destination: s4 floods from one address (refused IPv4 UDP fragments with checksum
# 0, answered with Destination Unreachable) and is held to that rate, while a second address of
# s4 still gets its error at once.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")  # used by tests/lab/lab.sh
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
trap lab_down EXIT

N=400
RATE=10
flood() { lab_ok "flood of $N from c6" c6 "$LAB_PY" "$LAB_HOME/refuse.py" extfrag6 "$LAB_C6" "$LAB_S4_AS6" --flood "$N"; }

lab_up
lab_siit_start --workers 1 --icmp-rate "$RATE"

step "c6 floods: $N refused packets, --icmp-rate $RATE"
flood
read -r _ sent _ got _ took _ <<<"$LAB_OUT"
assert_eq "all sent" "$N" "$sent"
stats=$(lab_stats)
answered=$(lab_stat icmp_errors_sent "$stats")
limited=$(lab_stat icmp_errors_limited "$stats")
max=$(awk -v t="$took" -v r="$RATE" 'BEGIN { printf "%d", 50 + r * (t + 1) + 1 }')
echo "answered $answered, limited $limited, received $got, allowed at most $max"
assert_ge "the burst was answered" 50 "$answered"
[[ $answered -le $max ]] || fail "$answered errors sent, more than the $max the rate allows"
assert_eq "every refused packet is either answered or limited" "$N" $((answered + limited))
assert_eq "c6 received what was sent" "$answered" "$got"
lab_daemon_stop

step "--icmp-rate 0: no limit"
lab_siit_start --workers 1 --icmp-rate 0
flood
read -r _ _ _ got _ <<<"$LAB_OUT"
assert_eq "every one answered" "$N" "$(lab_stat icmp_errors_sent)"
assert_eq "none limited" 0 "$(lab_stat icmp_errors_limited)"
assert_eq "c6 received them all" "$N" "$got"

lab_daemon_stop

step "--icmp-rate-per-destination $RATE: one destination flooded, another still answered"
S4_OTHER=198.51.100.3
ip -n "$(lab_ns s4)" addr add "$S4_OTHER/24" dev eth-gw
lab_siit_start --workers 1 --icmp-rate 1000 --icmp-rate-per-destination "$RATE"
lab_ok "flood of $N from s4" s4 "$LAB_PY" "$LAB_HOME/refuse.py" udpzero4 "$LAB_S4" "$LAB_C6_AS4" --flood "$N"
read -r _ sent _ got _ took _ <<<"$LAB_OUT"
assert_eq "all sent" "$N" "$sent"
lab_ok "one from $S4_OTHER" s4 "$LAB_PY" "$LAB_HOME/refuse.py" udpzero4 "$S4_OTHER" "$LAB_C6_AS4"
assert_match "the other destination is answered" "^error 3 13 " "$LAB_OUT"
stats=$(lab_stats)
answered=$(lab_stat icmp_errors_sent "$stats")
limited=$(lab_stat icmp_errors_limited "$stats")
# Burst min(RATE, 50) = RATE, then RATE a second; plus the one to the other address.
max=$(awk -v t="$took" -v r="$RATE" 'BEGIN { printf "%d", r + r * (t + 1) + 1 + 1 }')
echo "answered $answered (flood got $got), limited $limited, allowed at most $max"
assert_ge "the flooded destination got its burst" "$RATE" "$got"
[[ $answered -le $max ]] || fail "$answered errors sent, more than the $max the per-destination rate allows"
assert_eq "every refused packet is either answered or limited" $((N + 1)) $((answered + limited))

lab_daemon_stop
echo PASS
