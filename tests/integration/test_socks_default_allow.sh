#!/usr/bin/env bash
# `sixfour socks` is never an open proxy by accident: without --allow and --users it serves only
# loopback and the networks its host is on. The proxy runs in s4 (198.51.100.2); s4's neighbour gw
# (198.51.100.1, on-link) is served, ds (203.0.113.2, routed through gw) is refused; with --users the
# same ds client gets the authentication method instead.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
# shellcheck source=../lab/socks.sh
source "$(dirname "$0")/../lab/socks.sh"
trap socks_cleanup EXIT

# SOCKS5 greeting "05 01 00" (no authentication) to ADDR:1080; prints the reply bytes in hex, or
# "closed" when the proxy closes (or resets) without a reply.
greet='
import socket, sys
s = socket.create_connection((sys.argv[1], 1080), timeout=5)
s.sendall(bytes([5, 1, 0]))
try:
    r = s.recv(16)
except ConnectionResetError:
    r = b""
print(r.hex() if r else "closed")'

lab_up ds
socks_start s4 --listen "$LAB_S4:1080"

step "on-link client (gw) is served"
lab_ok "greeting from gw" gw "$LAB_PY" -c "$greet" "$LAB_S4"
assert_eq "method reply" "0500" "$LAB_OUT"

step "client from another network (ds, routed) is refused"
lab_ok "greeting from ds" ds "$LAB_PY" -c "$greet" "$LAB_S4"
assert_eq "no reply, closed" "closed" "$LAB_OUT"
assert_ge "clients.refused_allow" 1 "$(socks_stat clients.refused_allow)"
socks_stop

step "with --users the proxy is not open either way: ds is asked to authenticate"
printf 'alice:%s\n' "$(printf 'secret\n' | "$SIXFOUR" socks hash-password)" >"$LAB_DIR/users"
socks_start s4 --listen "$LAB_S4:1080" --users "$LAB_DIR/users"
lab_ok "greeting from ds" ds "$LAB_PY" -c "$greet" "$LAB_S4"
assert_eq "no acceptable method (username/password required)" "05ff" "$LAB_OUT"
socks_stop
echo PASS
