#!/usr/bin/env bash
# `sixfour dns64` stays safe and up: clients outside --allow get REFUSED, malformed datagrams are
# dropped or answered FORMERR and counted while service goes on, an unreachable upstream gives
# SERVFAIL in time (cached answers still served) and service resumes when it returns, failover to
# a second upstream, bad configuration exits 2 with one line, and the TOML form works.
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

step "bad configuration: exit 2, one line naming the value"
for bad in "--prefix 2001:db8::/33" "--upstream 198.51.100.3:99999" "--allow 2001:db8::1/200" "--listen nowhere"; do
  # shellcheck disable=SC2086
  lab_expect_rc "sixfour dns64 $bad" 2 gw "$SIXFOUR" dns64 $bad --upstream 198.51.100.3
  assert_eq "one line on stderr" 1 "$(wc -l <<<"$LAB_OUT")"
done
assert_match "names the value" "listen \"nowhere\"" "$LAB_OUT"

step "TOML configuration"
cat >"$LAB_DIR/dns64.toml" <<EOF2
listen = ["[$DNS64_ADDR]:53"]
upstream = ["198.51.100.99:53", "$DNS64_UNBOUND:53"]   # the first never answers: failover
prefix = "$DNS64_PREFIX"
allow = ["2001:db8:6::2/128"]
threads = 2
cache-size = 8
EOF2
DNS64_CTL=$LAB_DIR/dns64.sock
LAB_DAEMON_LOG=$LAB_DIR/dns64.log
ip netns exec "$(lab_ns gw)" "$SIXFOUR" dns64 --config "$LAB_DIR/dns64.toml" --control "$DNS64_CTL" \
  >"$LAB_DAEMON_LOG" 2>&1 &
DNS64_PID=$!
LAB_DAEMON_PID=$DNS64_PID
lab_wait_port gw udp "$DNS64_ADDR" 53

step "failover: the first upstream is silent, the second answers"
dig6 h4.example.test AAAA
assert_match "synthesized via the second upstream" "AAAA 2001:db8:64::c633:640a" "$(dig_answers)"
assert_ge "timeouts on the silent upstream" 1 "$(dns64_stat upstream_timeouts)"
dig6 two.example.test AAAA
assert_eq "the next query goes straight to the working one" NOERROR "$(dig_status)"

step "clients outside allow get REFUSED (never an open resolver)"
ip -n "$(lab_ns c6)" addr add 2001:db8:6::99/64 dev eth-gw nodad
dig6 -b 2001:db8:6::99 h4.example.test AAAA
assert_eq "status" REFUSED "$(dig_status)"
assert_ge "refused counter" 1 "$(dns64_stat refused)"
ip -n "$(lab_ns c6)" addr del 2001:db8:6::99/64 dev eth-gw

step "malformed queries: dropped or FORMERR, counted, service goes on"
cat >"$LAB_DIR/junk.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.settimeout(1)
junk = [b"", b"\x12", b"\x12\x34\x01\x00\x00\x01", b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x05abc",
        b"\x12\x34\x81\x00" + b"\x00" * 8,                        # a response: dropped
        b"\x12\x34\x01\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x1c\x00\x01",  # QDCOUNT 2
        b"\xff" * 600, bytes(range(256)) * 2]
answers = 0
for j in junk:
    s.sendto(j, (sys.argv[1], 53))
    try:
        d = s.recv(4096)
        answers += 1
        print("answer rcode=%d" % (d[3] & 15))
    except socket.timeout:
        print("no answer")
print("answers=%d" % answers)
PY
lab_ok "junk datagrams" c6 "$LAB_PY" "$LAB_DIR/junk.py" "$DNS64_ADDR"
assert_match "FORMERR answers" "answer rcode=1" "$LAB_OUT"
assert_ge "formerr counter" 1 "$(dns64_stat formerr)"
assert_ge "dropped counter" 1 "$(dns64_stat dropped)"
dig6 h4.example.test AAAA
assert_eq "still answering" NOERROR "$(dig_status)"

step "upstream down: SERVFAIL in time, cached answers still served"
kill -TERM "$LAB_PID_unbound"
wait "$LAB_PID_unbound" 2>/dev/null || true
dig6 +tries=1 +time=3 alias.example.test AAAA
assert_eq "status" SERVFAIL "$(dig_status)"
echo "query time: $(sed -nE 's/;; Query time: (.*)/\1/p' <<<"$LAB_OUT")"
dig6 h4.example.test AAAA
assert_match "cached answer" "AAAA 2001:db8:64::c633:640a" "$(dig_answers)"

step "upstream back: service resumes, the SERVFAIL was not cached"
dns64_unbound_start unbound s4 "$DNS64_UNBOUND"
dig6 alias.example.test AAAA
assert_eq "status" NOERROR "$(dig_status)"
assert_match "synthesized" "h4\.example\.test\. [0-9]+ AAAA 2001:db8:64::c633:640a" "$(dig_answers)"

dns64_stop || fail "daemon did not exit 0 on SIGTERM"
echo "PASS"
