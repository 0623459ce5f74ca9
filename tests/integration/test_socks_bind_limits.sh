#!/usr/bin/env bash
# `sixfour socks`: BIND (RFC 1928 §4, two replies, the relay after), the handshake and idle
# timeouts, and --max-per-client.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
# shellcheck source=../lab/socks.sh
source "$(dirname "$0")/../lab/socks.sh"
trap socks_cleanup EXIT

lab_up
lab_bg s4 httpd4 "$LAB_PY" "$LAB_HOME/httpd.py" "$LAB_S4" 80 "$LAB_DIR"
lab_wait_port s4 tcp "$LAB_S4" 80
socks_start gw --listen "[$SOCKS_ADDR]:$SOCKS_PORT" --handshake-timeout 1 --idle-timeout 2 --max-per-client 1

step "BIND: the proxy listens on its address towards s4, s4 connects, bytes reach the client"
ip netns exec "$(lab_ns c6)" "$LAB_PY" "$SOCKS_PY" bind "$SOCKS_ADDR" "$SOCKS_PORT" "$LAB_S4" >"$LAB_DIR/bind.out" 2>&1 &
bind_pid=$!
for ((i = 0; i < 50; i++)); do grep -q '^listen=' "$LAB_DIR/bind.out" && break; sleep 0.1; done
listen=$(sed -n 's/^listen=//p' "$LAB_DIR/bind.out")
assert_match "first reply: gw's IPv4 address towards s4 and a port" "^$LAB_GW4:[0-9]+$" "$listen"
lab_ok "s4 connects to the BIND address" s4 "$LAB_PY" -c "
import socket
s = socket.create_connection(('${listen%:*}', ${listen##*:}), timeout=5)
s.sendall(b'hello from s4 via BIND\n')
s.close()"
wait "$bind_pid" || fail "bind client failed: $(cat "$LAB_DIR/bind.out")"
out=$(cat "$LAB_DIR/bind.out")
printf '%s\n' "$out"
assert_match "second reply: the peer is s4" "peer=$LAB_S4:[0-9]+" "$out"
assert_match "relayed data" "data=hello from s4 via BIND" "$out"
assert_eq "commands.bind" 1 "$(socks_stat commands.bind)"

step "handshake timeout: a client that stops after the version byte is closed"
lab_ok "hold after 05" c6 "$LAB_PY" "$SOCKS_PY" hold "$SOCKS_ADDR" "$SOCKS_PORT" 05
assert_eq "nothing back" "" "$LAB_OUT"
assert_eq "clients.handshake_timeout" 1 "$(socks_stat clients.handshake_timeout)"

step "idle timeout: a relay with no bytes either way is closed"
lab_ok "CONNECT to s4:80 and wait" c6 "$LAB_PY" "$SOCKS_PY" hold "$SOCKS_ADDR" "$SOCKS_PORT" 05010005010001c63364020050
assert_match "success reply, then closed" "^050005000001c6336401[0-9a-f]{4}$" "$LAB_OUT"
assert_eq "clients.idle_closed" 1 "$(socks_stat clients.idle_closed)"

step "--max-per-client 1: a second concurrent connection from c6 is refused"
ip netns exec "$(lab_ns c6)" "$LAB_PY" "$SOCKS_PY" hold "$SOCKS_ADDR" "$SOCKS_PORT" 05 >/dev/null 2>&1 &
hold_pid=$!
for ((i = 0; i < 50; i++)); do
  [[ $(socks_stat clients.active) -ge 1 ]] && break
  sleep 0.05
done
lab_ok "second connection" c6 "$LAB_PY" "$SOCKS_PY" raw "$SOCKS_ADDR" "$SOCKS_PORT" 050100
assert_eq "nothing back" "" "$LAB_OUT"
assert_eq "clients.refused_limit" 1 "$(socks_stat clients.refused_limit)"
wait "$hold_pid" || true
lab_ok "after the first one ended, c6 is served again" c6 "$LAB_PY" "$SOCKS_PY" raw "$SOCKS_ADDR" "$SOCKS_PORT" 050100
assert_match "method selection (then a general failure: the request never came)" "^05000501" "$LAB_OUT"

socks_stop
echo PASS
