#!/usr/bin/env bash
# `sixfour dns64` over UDP with dig in c6, upstream a real recursive Unbound (no dns64 module) in
# front of NSD holding example.test: every RFC 6147 rule on real answers.
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
dns64_start --exclude 2001:db8:bad::/48

step "A-only name: AAAA synthesized in the prefix (RFC 6147 §5.1.6, RFC 6052 §2.2)"
dig6 h4.example.test AAAA
assert_eq "status" NOERROR "$(dig_status)"
assert_match "synthesized AAAA" "^h4\.example\.test\. [0-9]+ AAAA 2001:db8:64::c633:640a$" "$(dig_answers)"
ttl=$(dig_answers | awk '{print $2}')
# §5.1.7: min(A TTL 300, negative TTL of the AAAA answer = SOA MINIMUM 120).
assert_ge "TTL at least 100 (just fetched)" 100 "$ttl"
(( ttl <= 120 )) || fail "TTL $ttl above the negative TTL 120"
echo "ok: TTL $ttl <= 120 = min(A TTL 300, SOA MINIMUM 120)"
assert_no_match "no AD on synthesized data" "(^| )ad( |$)" "$(dig_flags)"

step "two A records: two AAAA"
dig6 two.example.test AAAA
assert_eq "answers" "2001:db8:64::c633:640b 2001:db8:64::c633:640c" "$(dig_answers | awk '{print $4}' | sort | xargs)"

step "real AAAA returned as is"
dig6 dual.example.test AAAA
assert_match "answer" "^dual\.example\.test\. [0-9]+ AAAA 2001:db8:5::13$" "$(dig_answers)"

step "::ffff:0:0/96 counts as absent (§5.1.4)"
dig6 mapped.example.test AAAA
assert_eq "answer" "2001:db8:64::c633:640e" "$(dig_answers | awk '{print $4}')"

step "--exclude: only excluded AAAA -> synthesized; mixed -> excluded ones dropped"
dig6 excl.example.test AAAA
assert_eq "answer" "2001:db8:64::c633:640f" "$(dig_answers | awk '{print $4}')"
dig6 half.example.test AAAA
assert_eq "answer" "2001:db8:5::16" "$(dig_answers | awk '{print $4}')"

step "CNAME chain kept, synthesis at its end (§5.1.1)"
dig6 alias2.example.test AAAA
assert_eq "chain" "alias2.example.test. CNAME alias.example.test.|alias.example.test. CNAME h4.example.test.|h4.example.test. AAAA 2001:db8:64::c633:640a" \
  "$(dig_answers | awk '{print $1, $3, $4}' | paste -sd '|')"

step "NXDOMAIN stays NXDOMAIN; NODATA without A stays NODATA"
dig6 nothere.example.test AAAA
assert_eq "status" NXDOMAIN "$(dig_status)"
assert_match "SOA for negative caching" "example\.test\..*SOA" "$LAB_OUT"
dig6 txtonly.example.test AAAA
assert_eq "status" NOERROR "$(dig_status)"
assert_eq "no answers" "" "$(dig_answers)"

step "other types are forwarded untouched"
dig6 h4.example.test A
assert_match "A" "^h4\.example\.test\. [0-9]+ A 198\.51\.100\.10$" "$(dig_answers)"
dig6 txtonly.example.test TXT
assert_match "TXT" 'TXT[[:space:]]+"no addresses here"' "$LAB_OUT"

step "PTR inside the prefix: CNAME to in-addr.arpa plus its PTR (§5.3.1)"
dig6 -x 2001:db8:64::c633:640a
assert_match "CNAME" "ip6\.arpa\. [0-9]+ CNAME 10\.100\.51\.198\.in-addr\.arpa\." "$(dig_answers)"
assert_match "PTR" "10\.100\.51\.198\.in-addr\.arpa\. [0-9]+ PTR h4\.example\.test\." "$(dig_answers)"
dig6 -x 2001:db8:64::c633:6499
assert_eq "no PTR record: NXDOMAIN" NXDOMAIN "$(dig_status)"

step "ipv4only.arpa: 192.0.0.170/171 in the prefix (RFC 7050 §2)"
dig6 ipv4only.arpa AAAA
assert_eq "answers" "2001:db8:64::c000:aa 2001:db8:64::c000:ab" "$(dig_answers | awk '{print $4}' | sort | xargs)"

step "DNSSEC: DO=1 CD=1 -> no synthesis (§5.5); DO=1 alone -> synthesized"
dig6 +dnssec +cd h4.example.test AAAA
assert_eq "status" NOERROR "$(dig_status)"
assert_eq "no synthesized record for a validating client" "" "$(dig_answers)"
assert_match "DO echoed" "flags: do;" "$LAB_OUT"
dig6 +dnssec h4.example.test AAAA
assert_match "synthesized" "AAAA 2001:db8:64::c633:640a" "$(dig_answers)"

step "no EDNS: no OPT in the answer; letter case of the question echoed"
dig6 +noedns H4.Example.TEST AAAA
assert_no_match "no OPT" "OPT PSEUDOSECTION" "$LAB_OUT"
assert_match "case kept" ";H4\.Example\.TEST\." "$LAB_OUT"
assert_match "answer" "AAAA 2001:db8:64::c633:640a" "$(dig_answers)"

step "repeated queries are answered from the cache: the upstream is not asked again"
before=$(dns64_stat upstream_queries)
for _ in 1 2 3 4 5; do dig6 h4.example.test AAAA >/dev/null; done
assert_eq "upstream queries unchanged" "$before" "$(dns64_stat upstream_queries)"
assert_ge "cache hits" 5 "$(dns64_stat cache_hits)"
lab_ok "stats (text)" gw "$SIXFOUR" dns64 stats --control "$DNS64_CTL"
assert_match "synthesized counter" "synthesized +[1-9]" "$LAB_OUT"

step "TTL counts down in the cache"
dig6 short.example.test AAAA
t1=$(dig_answers | awk '{print $2}')
sleep 2
dig6 short.example.test AAAA
t2=$(dig_answers | awk '{print $2}')
(( t2 < t1 )) || fail "TTL did not decrease: $t1 then $t2"
echo "ok: TTL $t1 then $t2"

dns64_stop || fail "daemon did not exit 0 on SIGTERM"
echo "PASS"
