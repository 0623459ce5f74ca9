#!/usr/bin/env bash
# UDP through `sixfour siit`, both ways: an echo server in s4 answers the IPv6-only client, an
# echo server in c6 answers the IPv4-only server; the bytes come back unchanged and each server
# sees its peer at the translated address.
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

step "c6 -> s4: UDP echo via [$LAB_S4_AS6]:7000"
for size in 1 100 1400; do
  lab_ok "UDP echo of $size bytes from c6" c6 "$LAB_PY" "$LAB_HOME/udp.py" send "$LAB_S4_AS6" 7000 "$size"
  assert_match "echo from s4 ($size bytes)" "sent=$size recv=$size match=yes" "$LAB_OUT"
done
assert_match "s4 sees the client as $LAB_C6_AS4" "from $LAB_C6_AS4 port [0-9]+: 100 bytes" "$(cat "$LAB_DIR/udp4.log")"

step "s4 -> c6: UDP echo via $LAB_C6_AS4:7001"
for size in 1 100 1400; do
  lab_ok "UDP echo of $size bytes from s4" s4 "$LAB_PY" "$LAB_HOME/udp.py" send "$LAB_C6_AS4" 7001 "$size"
  assert_match "echo from c6 ($size bytes)" "sent=$size recv=$size match=yes" "$LAB_OUT"
done
assert_match "c6 sees the server as $LAB_S4_AS6" "from $LAB_S4_AS6 port [0-9]+: 100 bytes" "$(cat "$LAB_DIR/udp6.log")"

step "nothing listens on port 7002: the ICMP port unreachable is translated back, both ways"
lab_expect_rc "UDP to a closed port from c6 is refused" 3 c6 "$LAB_PY" "$LAB_HOME/udp.py" send "$LAB_S4_AS6" 7002 10
lab_expect_rc "UDP to a closed port from s4 is refused" 3 s4 "$LAB_PY" "$LAB_HOME/udp.py" send "$LAB_C6_AS4" 7002 10
lab_ok "ping still fine" c6 ping -n -c 1 -W 2 "$LAB_S4_AS6"

lab_daemon_stop
echo PASS
