#!/usr/bin/env bash
# `sixfour dns64 --rate-limit` (response-rate limiting per client prefix): c6 floods 200 UDP
# queries at once and gets at most the rate's burst plus what a second refills, every 2nd of the
# rest as an empty TC=1 answer (--rate-limit-slip 2), the others dropped and counted; a client in
# another /56 is answered at once all the while, and TCP is never limited.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
# shellcheck source=../lab/dns64.sh
source "$(dirname "$0")/../lab/dns64.sh"
trap lab_down EXIT

RATE=10
N=200
OTHER=2001:db8:6:100::2  # another /56
lab_up
dns64_upstream_up
ip -n "$(lab_ns c6)" addr add "$OTHER/64" dev eth-gw nodad
ip -n "$(lab_ns gw)" -6 route add 2001:db8:6:100::/64 via "$LAB_C6" dev eth-c6
dns64_start --allow 2001:db8:6::/48 --rate-limit "$RATE"

cat >"$LAB_DIR/flood.py" <<'PY'
import os, select, socket, struct, sys, time
server, n = sys.argv[1], int(sys.argv[2])
name = b"".join(bytes([len(p)]) + p for p in b"h4.example.test".split(b".")) + b"\0"
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
for i in range(n):
    s.sendto(struct.pack("!HHHHHH", i, 0x0100, 1, 0, 0, 0) + name + struct.pack("!HH", 1, 1), (server, 53))
full = tc = 0
deadline = time.monotonic() + 1.5
while (left := deadline - time.monotonic()) > 0 and select.select([s], [], [], left)[0]:
    m = s.recv(4096)
    if m[2] & 0x02:
        tc += 1
    else:
        full += 1
print(f"answered {full} truncated {tc}")
PY

step "c6 floods $N queries, --rate-limit $RATE"
lab_ok "flood" c6 "$LAB_PY" "$LAB_DIR/flood.py" "$DNS64_ADDR" "$N"
read -r _ full _ tc <<<"$LAB_OUT"
assert_ge "the burst was answered" "$RATE" "$full"
[[ $full -le $((RATE * 3)) ]] || fail "$full full answers, more than the rate allows"
assert_gt "some were slipped (TC=1)" 0 "$tc"
assert_gt "the rest were dropped and counted" 0 "$(dns64_stat rate_limited)"
assert_eq "slipped counted" "$tc" "$(dns64_stat rate_limit_slipped)"

step "another client prefix is answered at once; TCP from the flooded one too"
lab_run c6 dig @"$DNS64_ADDR" -b "$OTHER" +time=2 +tries=1 h4.example.test AAAA
assert_eq "status for $OTHER" NOERROR "$(dig_status)"
dig6 +tcp h4.example.test AAAA
assert_eq "status over TCP" NOERROR "$(dig_status)"

dns64_stop
echo PASS
