#!/usr/bin/env bash
# Slowloris defence (--max-handshakes-per-client): c6 opens 300 connections that stop after the
# version byte, then a real CONNECT from c6 still succeeds: the client's oldest handshakes in
# progress were closed as new ones came (counted in clients.handshake_evicted), an established
# relay of c6 kept open all along is never touched.
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
echo hello >"$LAB_DIR/hello.txt"
socks_start gw --listen "[$SOCKS_ADDR]:$SOCKS_PORT" --handshake-timeout 60 --max-handshakes-per-client 16

cat >"$LAB_DIR/loris.py" <<'PY'
import socket, sys, time
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
# An established relay first: CONNECT to s4:80 (198.51.100.2), kept open.
relay = socket.create_connection((host, port), timeout=5)
relay.sendall(bytes.fromhex("05010005010001c63364020050"))
got = b""
while len(got) < 12:
    got += relay.recv(64)
assert got[:2] == b"\x05\x00" and got[2:4] == b"\x05\x00", got.hex()
idle = []
for _ in range(n):
    s = socket.create_connection((host, port), timeout=5)
    s.sendall(b"\x05")  # the version byte, then nothing
    idle.append(s)
time.sleep(0.5)
closed = 0
for s in idle:
    s.setblocking(False)
    try:
        closed += s.recv(1) == b""
    except BlockingIOError:
        pass
    except ConnectionResetError:  # closed with data unread: a reset, closed all the same
        closed += 1
# The relay still works: an HTTP request through it.
relay.sendall(b"GET /hello.txt HTTP/1.0\r\n\r\n")
reply = b""
while chunk := relay.recv(4096):
    reply += chunk
print(f"closed {closed} relay_ok {int(b'hello' in reply)}")
PY

step "c6 keeps a relay, then opens 300 idle handshakes"
lab_ok "slowloris" c6 "$LAB_PY" "$LAB_DIR/loris.py" "$SOCKS_ADDR" "$SOCKS_PORT" 300
read -r _ closed _ relay_ok <<<"$LAB_OUT"
assert_ge "the oldest handshakes were closed" 284 "$closed"
assert_eq "the established relay was untouched" 1 "$relay_ok"
assert_ge "clients.handshake_evicted" 284 "$(socks_stat clients.handshake_evicted)"

step "a real CONNECT from c6 still succeeds"
lab_ok "CONNECT" c6 "$LAB_PY" "$SOCKS_PY" raw "$SOCKS_ADDR" "$SOCKS_PORT" 05010005010001c63364020050
assert_match "success reply" "^050005000001" "$LAB_OUT"

socks_stop
echo PASS
