#!/usr/bin/env bash
# `sixfour dns64` over TCP (RFC 7766): plain queries with dig +tcp, truncation over UDP when the
# answer does not fit the client's buffer (TC=1, then the same answer over TCP), and several
# pipelined queries on one connection answered in full.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
# shellcheck source=../lab/dns64.sh
source "$(dirname "$0")/../lab/dns64.sh"
trap lab_down EXIT

lab_up
dns64_upstream_up
dns64_start

step "AAAA synthesized over TCP"
dig6 +tcp h4.example.test AAAA
assert_eq "status" NOERROR "$(dig_status)"
assert_match "synthesized" "AAAA 2001:db8:64::c633:640a" "$(dig_answers)"
assert_match "over TCP" "\(TCP\)" "$LAB_OUT"

step "60 synthesized records do not fit in 512 bytes: TC=1 over UDP, complete over TCP"
dig6 +noedns +ignore big.example.test AAAA
assert_match "TC set" "(^| )tc( |$)" "$(dig_flags)"
assert_match "no answers in the truncated reply" "ANSWER: 0" "$LAB_OUT"
dig6 +bufsize=1232 +ignore big.example.test AAAA
assert_match "TC set at 1232 too (60 x 28-byte records)" "(^| )tc( |$)" "$(dig_flags)"
dig6 +tcp big.example.test AAAA
assert_no_match "no TC over TCP" "(^| )tc( |$)" "$(dig_flags)"
assert_eq "60 records" 60 "$(dig_answers | grep -c ' AAAA 2001:db8:64::cb00:71')"
dig6 +bufsize=4096 big.example.test AAAA
assert_no_match "fits in 4096 over UDP" "(^| )tc( |$)" "$(dig_flags)"
assert_eq "60 records over UDP with a 4096 buffer" 60 "$(dig_answers | grep -c AAAA)"

step "pipelined queries on one TCP connection (RFC 7766 §6.2.1.1)"
cat >"$LAB_DIR/pipeline.py" <<'PY'
import socket, struct, sys
names = sys.argv[2:]
def q(i, name):
    body = struct.pack(">HHHHHH", 0x1000 + i, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        body += bytes([len(label)]) + label.encode()
    return body + b"\0" + struct.pack(">HH", 28, 1)
s = socket.create_connection((sys.argv[1], 53), timeout=5)
s.sendall(b"".join(struct.pack(">H", len(m)) + m for m in (q(i, n) for i, n in enumerate(names))))
def read(n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c: raise SystemExit("connection closed after %d bytes" % len(b))
        b += c
    return b
for _ in names:
    (l,) = struct.unpack(">H", read(2))
    m = read(l)
    ident, flags, qd, an = struct.unpack(">HHHH", m[:8])
    print("id=%#x rcode=%d answers=%d" % (ident, flags & 15, an))
PY
lab_ok "3 queries in one write" c6 "$LAB_PY" "$LAB_DIR/pipeline.py" "$DNS64_ADDR" \
  two.example.test alias.example.test nothere.example.test
assert_match "two: 2 answers" "id=0x1000 rcode=0 answers=2" "$LAB_OUT"
assert_match "alias: CNAME + AAAA" "id=0x1001 rcode=0 answers=2" "$LAB_OUT"
assert_match "nothere: NXDOMAIN" "id=0x1002 rcode=3 answers=0" "$LAB_OUT"
assert_ge "TCP queries counted" 5 "$(dns64_stat tcp_queries)"

dns64_stop || fail "daemon did not exit 0 on SIGTERM"
echo "PASS"
