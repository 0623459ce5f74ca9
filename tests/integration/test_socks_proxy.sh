#!/usr/bin/env bash
# `sixfour socks` on the dual-stack gw: the IPv6-only client c6 reaches the IPv4-only HTTP server
# s4 with curl over SOCKS5 (names resolved by the proxy or by the client), SOCKS4 and SOCKS4a;
# RFC 1928 §6 reply codes for refused, unresolvable, not allowed; bad handshakes answered while
# the proxy keeps serving; Happy Eyeballs past a black-holed IPv6 address; UDP ASSOCIATE.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
# shellcheck source=../lab/socks.sh
source "$(dirname "$0")/../lab/socks.sh"
trap socks_cleanup EXIT

lab_up ds
socks_hosts gw
# he.test's IPv6 address: routed to ds, which does not forward, so SYNs vanish without an answer.
ip -n "$(lab_ns gw)" -6 route add 2001:db8:bad::/64 via 2001:db8:d5::2

www=$LAB_DIR/www
mkdir -p "$www"
printf 'hello from the IPv4-only server\n' >"$www/hello.txt"
head -c 3145728 /dev/urandom >"$www/big.bin"
want=$(sha256sum <"$www/big.bin" | cut -d' ' -f1)
lab_bg s4 httpd4 "$LAB_PY" "$LAB_HOME/httpd.py" "$LAB_S4" 80 "$www"
lab_bg ds httpdds "$LAB_PY" "$LAB_HOME/httpd.py" 203.0.113.2 80 "$www"
lab_bg s4 udpecho "$LAB_PY" "$LAB_HOME/udp.py" serve "$LAB_S4" 7000
lab_wait_port s4 tcp "$LAB_S4" 80
lab_wait_port ds tcp 203.0.113.2 80
lab_wait_port s4 udp "$LAB_S4" 7000

socks_start gw --listen "[$SOCKS_ADDR]:$SOCKS_PORT" --log-connections --workers 2
P="[$SOCKS_ADDR]:$SOCKS_PORT"
c=(-g -sS --max-time 20)

step "curl --socks5-hostname: the proxy resolves web4.test (A only) and connects over IPv4"
lab_ok "GET hello.txt" c6 curl "${c[@]}" --socks5-hostname "$P" http://web4.test/hello.txt
assert_eq "body" "hello from the IPv4-only server" "$LAB_OUT"
assert_match "s4 saw the proxy's IPv4 address" "$LAB_GW4 - - .*GET /hello.txt" "$(cat "$LAB_DIR/httpd4.log")"

step "curl --socks5 (IPv4 literal), 3 MiB download and upload, byte for byte"
lab_ok "GET big.bin" c6 curl "${c[@]}" --socks5 "$P" -o "$LAB_DIR/got.bin" -w '%{http_code} %{size_download}\n' \
  "http://$LAB_S4/big.bin"
assert_eq "status and size" "200 3145728" "$LAB_OUT"
assert_eq "sha256" "$want" "$(sha256sum <"$LAB_DIR/got.bin" | cut -d' ' -f1)"
lab_ok "POST big.bin" c6 curl "${c[@]}" --socks5 "$P" --data-binary "@$www/big.bin" \
  -H 'Content-Type: application/octet-stream' "http://$LAB_S4/upload"
assert_eq "sha256 and length seen by s4" "$want 3145728" "$LAB_OUT"

step "curl --socks4a and --socks4 (the protocol has no IPv6 targets, but the client reaches the proxy over IPv6)"
lab_ok "SOCKS4a via IPv6 listener" c6 curl "${c[@]}" --socks4a "$P" http://web4.test/hello.txt
assert_eq "body" "hello from the IPv4-only server" "$LAB_OUT"
lab_ok "SOCKS4 via IPv6 listener" c6 curl "${c[@]}" --socks4 "$P" "http://$LAB_S4/hello.txt"
assert_eq "body" "hello from the IPv4-only server" "$LAB_OUT"

step "RFC 1928 §6 reply codes"
lab_expect_rc "closed port -> connection refused (curl 97)" 97 c6 curl "${c[@]}" --socks5 "$P" "http://$LAB_S4:81/"
assert_match "curl names reply 5" "\(5\)" "$LAB_OUT"
lab_expect_rc "unknown name -> host unreachable" 97 c6 curl "${c[@]}" --socks5-hostname "$P" http://nowhere.invalid/
assert_match "curl names reply 4" "\(4\)" "$LAB_OUT"
lab_expect_rc "no route -> network unreachable" 97 c6 curl "${c[@]}" --socks5 "$P" "http://192.0.2.77/"
assert_match "curl names reply 3" "\(3\)" "$LAB_OUT"

step "bad handshakes are answered and the proxy keeps serving"
raw() { lab_run c6 "$LAB_PY" "$SOCKS_PY" raw "$SOCKS_ADDR" "$SOCKS_PORT" "$1"; }
raw 0501000509000100000000
assert_eq "unknown command: method 00, then reply 07 (command not supported)" "050005070001000000000000" "$LAB_OUT"
raw 050100050100020102030400
assert_eq "unknown ATYP: reply 08 (address type not supported)" "050005080001000000000000" "$LAB_OUT"
raw 0502
assert_eq "truncated greeting (2 methods announced, none sent), then EOF: no acceptable methods" "05ff" "$LAB_OUT"
raw 05
assert_eq "only the version byte, then EOF: closed without a reply" "" "$LAB_OUT"
raw 474554202f20485454502f312e300d0a0d0a
assert_eq "HTTP instead of SOCKS: closed without a reply" "" "$LAB_OUT"
raw 05010205010001c633640200
assert_eq "no acceptable method: 05 ff" "05ff" "$LAB_OUT"
raw 0401005000000001000000
assert_eq "SOCKS4a with an empty host name: rejected (91)" "005b000000000000" "$LAB_OUT"
lab_ok "still serving" c6 curl "${c[@]}" --socks5-hostname "$P" http://web4.test/hello.txt
assert_eq "body" "hello from the IPv4-only server" "$LAB_OUT"

step "pipelined: greeting, request and the HTTP request in one write"
req=$(printf 'GET /hello.txt HTTP/1.0\r\nHost: web4.test\r\n\r\n' | od -An -tx1 | tr -d ' \n')
raw "050100050100030977656234$(printf '2e74657374' )0050$req"
assert_match "reply (bound 198.51.100.1), then the whole HTTP answer after the client half-closed" "^050005000001c6336401....485454502f312e..20323030" "$LAB_OUT"

step "Happy Eyeballs (RFC 8305): he.test = black-holed IPv6 + working IPv4"
start=$(date +%s%N)
lab_ok "GET via he.test" c6 curl "${c[@]}" --max-time 8 --socks5-hostname "$P" http://he.test/hello.txt
ms=$((($(date +%s%N) - start) / 1000000))
assert_eq "body" "hello from the IPv4-only server" "$LAB_OUT"
printf 'info: he.test answered in %d ms\n' "$ms"
assert_match "ds saw the proxy over IPv4" "203.0.113.1 - - .*GET /hello.txt" "$(cat "$LAB_DIR/httpdds.log")"

step "UDP ASSOCIATE (RFC 1928 §7): echo from s4 through the relay"
lab_ok "udp echo" c6 "$LAB_PY" "$SOCKS_PY" udp "$SOCKS_ADDR" "$SOCKS_PORT" "$LAB_S4" 7000
assert_match "relay on the proxy's IPv6 address, reply from s4" \
  "relay=$SOCKS_ADDR:[0-9]+ reply_from=$LAB_S4:7000 match=yes" "$LAB_OUT"

step "counters"
assert_ge "replies.succeeded" 8 "$(socks_stat replies.succeeded)"
assert_ge "replies.connection_refused" 1 "$(socks_stat replies.connection_refused)"
assert_ge "replies.host_unreachable" 1 "$(socks_stat replies.host_unreachable)"
assert_ge "replies.network_unreachable" 1 "$(socks_stat replies.network_unreachable)"
assert_ge "replies.command_not_supported" 1 "$(socks_stat replies.command_not_supported)"
assert_ge "replies.address_type_not_supported" 1 "$(socks_stat replies.address_type_not_supported)"
assert_ge "udp.in" 1 "$(socks_stat udp.in)"
assert_ge "udp.out" 1 "$(socks_stat udp.out)"
assert_ge "bytes.down" 3145728 "$(socks_stat bytes.down)"
assert_eq "no splice fallback" 0 "$(socks_stat splice_fallback)"
assert_match "connection log" "client \[$LAB_C6\]:[0-9]+ target web4.test:80 reply \"succeeded\" up [0-9]+ down [0-9]+" "$(cat "$SOCKS_LOG")"

socks_stop
echo PASS
