#!/usr/bin/env bash
# `sixfour socks`: RFC 1929 username/password with a hash-password users file, the client allow
# list, --deny-private, configuration errors (exit 2, one line), TOML config, and NAT64 awareness:
# the proxy on the IPv6-only c6 reaches IPv4 literals and A-only names through the NAT64 prefix it
# discovers from ipv4only.arpa (RFC 7050), with `sixfour siit` on gw doing the translation.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
# shellcheck source=../lab/socks.sh
source "$(dirname "$0")/../lab/socks.sh"
trap socks_cleanup EXIT

lab_up
socks_hosts gw
# c6's resolver is a real DNS64 (`sixfour dns64` on gw, started below): the proxy's RFC 7050 lookup
# asks it for ipv4only.arpa AAAA and reads the prefix out of 192.0.0.170/171.
socks_hosts c6
printf 'nameserver %s\noptions timeout:2 attempts:1\n' "$LAB_GW6" >"/etc/netns/$(lab_ns c6)/resolv.conf"
www=$LAB_DIR/www
mkdir -p "$www"
printf 'hello from the IPv4-only server\n' >"$www/hello.txt"
lab_bg s4 httpd4 "$LAB_PY" "$LAB_HOME/httpd.py" "$LAB_S4" 80 "$www"
lab_bg gw httpdgw "$LAB_PY" "$LAB_HOME/httpd.py" 127.0.0.1 80 "$www"
lab_wait_port s4 tcp "$LAB_S4" 80
lab_wait_port gw tcp 127.0.0.1 80
P="[$SOCKS_ADDR]:$SOCKS_PORT"
c=(-g -sS --max-time 20)

step "configuration errors: exit 2 and one line naming the value"
for args in "--listen 1.2.3.4" "--nat64-prefix 2001:db8::/33" "--idle-timeout 0" "--allow 10.0.0.1/8" \
  "--users $LAB_DIR/missing.txt"; do
  # shellcheck disable=SC2086
  lab_expect_rc "sixfour socks $args" 2 gw "$SIXFOUR" socks $args
  assert_eq "one line" 1 "$(wc -l <<<"$LAB_OUT")"
  assert_match "names the value" "^sixfour socks: " "$LAB_OUT"
done
printf 'alice $y$nocolon\n' >"$LAB_DIR/bad-users.txt"
lab_expect_rc "bad users file" 2 gw "$SIXFOUR" socks --users "$LAB_DIR/bad-users.txt"
assert_eq "error" "sixfour socks: $LAB_DIR/bad-users.txt:1: no ':' between user and hash" "$LAB_OUT"

step "RFC 1929 username/password"
hash=$(printf 'correct horse\n' | "$SIXFOUR" socks hash-password)
assert_match "hash-password prints a crypt(3) hash" '^\$(y|6)\$' "$hash"
printf '# sixfour socks users\nalice:%s\n' "$hash" >"$LAB_DIR/users.txt"
cat >"$LAB_DIR/socks.toml" <<TOML
listen = ["[$SOCKS_ADDR]:$SOCKS_PORT"]
users = "$LAB_DIR/users.txt"
allow = ["2001:db8:6::/64"]
deny-private = true
TOML
socks_start gw --config "$LAB_DIR/socks.toml"
lab_ok "right password" c6 curl "${c[@]}" --socks5-hostname "$P" --proxy-user 'alice:correct horse' http://web4.test/hello.txt
assert_eq "body" "hello from the IPv4-only server" "$LAB_OUT"
lab_expect_rc "wrong password" 97 c6 curl "${c[@]}" --socks5-hostname "$P" --proxy-user 'alice:wrong' http://web4.test/hello.txt
lab_expect_rc "unknown user" 97 c6 curl "${c[@]}" --socks5-hostname "$P" --proxy-user 'mallory:correct horse' http://web4.test/hello.txt
lab_expect_rc "no credentials (no acceptable method)" 97 c6 curl "${c[@]}" --socks5-hostname "$P" http://web4.test/hello.txt
lab_expect_rc "SOCKS4 cannot authenticate" 97 c6 curl "${c[@]}" --socks4a "$P" http://web4.test/hello.txt
assert_eq "auth.ok" 1 "$(socks_stat auth.ok)"
assert_ge "auth.failed" 4 "$(socks_stat auth.failed)"
# RFC 1929: UNAME and PASSWD are 1 to 255 bytes. An empty password is malformed: STATUS 1, close.
bad_before=$(socks_stat clients.bad_handshake)
lab_ok "empty password" c6 "$LAB_PY" -c '
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
s.sendall(bytes([5, 1, 2]))
assert s.recv(2) == bytes([5, 2])
s.sendall(bytes([1, 5]) + b"alice" + bytes([0]))
got = b""
while True:
    b = s.recv(16)
    if not b:
        break
    got += b
print(got.hex())' "$SOCKS_ADDR" "$SOCKS_PORT"
assert_eq "VER 1, STATUS 1, then the close" "0101" "$LAB_OUT"
assert_eq "counted as a bad handshake" $((bad_before + 1)) "$(socks_stat clients.bad_handshake)"

step "--deny-private: a loopback target is refused with 'not allowed' (2)"
lab_expect_rc "to 127.0.0.1" 97 c6 curl "${c[@]}" --socks5 "$P" --proxy-user 'alice:correct horse' http://127.0.0.1/hello.txt
assert_match "reply 2" "\(2\)" "$LAB_OUT"
assert_eq "replies.not_allowed (the SOCKS4 refusal above and this one)" 2 "$(socks_stat replies.not_allowed)"
socks_stop

step "--allow: a client outside the list is dropped before any reply"
socks_start gw --listen "[$SOCKS_ADDR]:$SOCKS_PORT" --allow 2001:db8:7::/64
lab_run c6 "$LAB_PY" "$SOCKS_PY" raw "$SOCKS_ADDR" "$SOCKS_PORT" 050100
assert_eq "nothing back" "" "$LAB_OUT"
assert_eq "clients.refused_allow" 1 "$(socks_stat clients.refused_allow)"
socks_stop

step "NAT64 awareness: the proxy on IPv6-only c6, sixfour siit on gw, prefix from ipv4only.arpa"
lab_siit_start
lab_bg gw dns64 "$SIXFOUR" dns64 --listen "[$LAB_GW6]:53" --prefix 2001:db8:64::/96 --upstream 198.51.100.2:53 \
  --control "$LAB_DIR/dns64.sock"
lab_wait_port gw udp "$LAB_GW6" 53
socks_start c6 --listen "[::1]:$SOCKS_PORT" --nat64-prefix auto
assert_match "prefix discovered" "NAT64 prefix 2001:db8:64::/96 discovered" "$(cat "$SOCKS_LOG")"
lab_ok "IPv4 literal through the proxy" c6 curl "${c[@]}" --socks5 "[::1]:$SOCKS_PORT" "http://$LAB_S4/hello.txt"
assert_eq "body" "hello from the IPv4-only server" "$LAB_OUT"
assert_match "s4 saw c6 through the EAM" "$LAB_C6_AS4 - - .*GET /hello.txt" "$(cat "$LAB_DIR/httpd4.log")"
lab_ok "SOCKS4 (IPv4 only by design) through the proxy" c6 curl "${c[@]}" --socks4 "[::1]:$SOCKS_PORT" "http://$LAB_S4/hello.txt"
assert_eq "body" "hello from the IPv4-only server" "$LAB_OUT"
assert_ge "nat64_attempts" 2 "$(socks_stat nat64_attempts)"
socks_stop
echo PASS
