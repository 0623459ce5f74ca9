#!/usr/bin/env bash
# Static BIB entries (RFC 6146 §3.5.1) and hairpinning (§3.8) through `sixfour nat64`:
#  - the IPv4-only server reaches an HTTP server in c6 at pool4 port 8080 (tcp,203.0.113.1#8080,
#    2001:db8:6::2#80) and c6 sees it at its prefix form;
#  - 2001:db8:6::2 reaches a UDP server on 2001:db8:6::3 at the pool4 address in the prefix
#    (2001:db8:64::203.0.113.1, port 7003 statically bound to [2001:db8:6::3]#7003): the NAT64 turns
#    the packet around itself, and the server sees its peer at the peer's pool4 address and port.
# The daemon runs two workers (two TUN queues) sharing one State.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")  # used by tests/lab/lab.sh
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
# shellcheck source=../lab/nat64.sh
source "$(dirname "$0")/../lab/nat64.sh"
trap lab_down EXIT

lab_up
ip -n "$(lab_ns c6)" addr add 2001:db8:6::3/64 dev eth-gw nodad
www=$LAB_DIR/www
mkdir -p "$www"
printf 'hello from the IPv6-only client\n' >"$www/hello.txt"

# Two workers (two TUN queues) sharing one State: flows may land on either.
nat64_start --workers 2 --static "tcp,$N64_POOL4#8080,$LAB_C6#80" --static "udp,$N64_POOL4#7003,2001:db8:6::3#7003"
lab_bg c6 httpd6 "$LAB_PY" "$LAB_HOME/httpd.py" "$LAB_C6" 80 "$www"
lab_bg c6 udp6 "$LAB_PY" -u "$LAB_HOME/udp.py" serve 2001:db8:6::3 7003
lab_wait_port c6 tcp "$LAB_C6" 80
lab_wait_port c6 udp 2001:db8:6::3 7003

step "the static entries are in the BIB before any traffic"
lab_ok "sixfour nat64 bib" gw "$SIXFOUR" nat64 bib --control "$LAB_CTL"
assert_match "static TCP entry" "tcp +$LAB_C6#80 +$N64_POOL4#8080 +static" "$LAB_OUT"
assert_match "static UDP entry" "udp +2001:db8:6::3#7003 +$N64_POOL4#7003 +static" "$LAB_OUT"

step "s4 -> http://$N64_POOL4:8080/ reaches [$LAB_C6]:80"
lab_ok "curl from s4" s4 curl -sS --max-time 10 "http://$N64_POOL4:8080/hello.txt"
assert_eq "content" "hello from the IPv6-only client" "$LAB_OUT"
assert_match "c6 saw the server at its prefix form" "$LAB_S4_AS6 - - .*GET /hello.txt" "$(cat "$LAB_DIR/httpd6.log")"
rows=$(nat64_rows sessions)
printf '%s\n' "$rows"
assert_line "the session uses the static entry" "^tcp $LAB_C6 80 $LAB_S4_AS6 [0-9]+ $N64_POOL4 8080 $LAB_S4 " "$rows"

step "hairpinning: 2001:db8:6::2 -> [$N64_POOL4_AS6]:7003 -> 2001:db8:6::3"
before=$(nat64_stat hairpinned)
lab_ok "hairpinned UDP echo" c6 "$LAB_PY" "$LAB_HOME/udp.py" send "$N64_POOL4_AS6" 7003 500
assert_match "echo" "sent=500 recv=500 match=yes" "$LAB_OUT"
assert_match "the server sees its peer at the pool4 address in the prefix" \
  "from $N64_POOL4_AS6 port [0-9]+: 500 bytes" "$(cat "$LAB_DIR/udp6.log")"
# The request and the reply each turn around in the NAT64.
assert_ge "hairpinned counter rise" 2 $(($(nat64_stat hairpinned) - before))

lab_daemon_stop
echo PASS
