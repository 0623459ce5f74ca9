#!/usr/bin/env bash
# RFC 6146 §3.5.2.2 in the lab: an IPv4 host's SYN to a pool4 port nobody holds is stored for
# TCP_INCOMING_SYN (6 s) and then answered with ICMP Port Unreachable, so the IPv4 client's connect()
# fails with "connection refused" instead of hanging until its own timeout. With
# --drop-external-syn it is dropped and the client only times out.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")  # used by tests/lab/lab.sh
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
# shellcheck source=../lab/nat64.sh
source "$(dirname "$0")/../lab/nat64.sh"
trap lab_down EXIT

# connect_from_s4 TIMEOUT: one TCP connect to pool4 port 6000; prints refused / timeout / connected.
connect_from_s4() {
  lab_exec s4 "$LAB_PY" -c '
import socket, sys
s = socket.socket()
s.settimeout(float(sys.argv[2]))
try:
    s.connect((sys.argv[1], 6000))
    print("connected")
except ConnectionRefusedError:
    print("refused")
except (socket.timeout, TimeoutError):
    print("timeout")
except OSError as e:
    print("error", e.errno)
' "$N64_POOL4" "$1"
}

lab_up
nat64_start

step "unsolicited SYN: stored, then Port Unreachable (connection refused)"
got=$(connect_from_s4 15)
assert_eq "the IPv4 client is refused" "refused" "$got"
assert_ge "SYN stored" 1 "$(nat64_stat incoming-syn.held)"
assert_ge "Port Unreachable sent" 1 "$(nat64_stat incoming-syn.answered)"
assert_eq "nothing stored any more" 0 "$(nat64_stat incoming-syn.stored)"
kill -0 "$LAB_DAEMON_PID" || fail "daemon died"
lab_daemon_stop

step "--drop-external-syn: dropped at once, the client times out"
nat64_start --drop-external-syn
got=$(connect_from_s4 8)
assert_eq "the IPv4 client hears nothing" "timeout" "$got"
assert_ge "counted as dropped" 1 "$(nat64_stat tcp-syn-dropped)"
assert_eq "nothing stored" 0 "$(nat64_stat incoming-syn.held)"
echo "PASS"
