#!/usr/bin/env bash
# `sixfour doctor` on each kind of lab node, asserting the verdict (JSON field and exit code):
#   c6 with sixfour nat64 + sixfour dns64        -> ipv6_only_nat64 (10)
#   c6 with a resolver without DNS64             -> ipv6_only_no_nat64 (11)
#   c6, same resolver, gw advertising PREF64     -> ipv6_only_nat64_no_dns64 (15)
#   s4 (IPv4 only)                               -> ipv4_only (12)
#   ds (both families)                           -> dual_stack (0)
# plus an unprivileged run, --offline, the text output and bad usage. Every target is a lab address or a lab name.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
# shellcheck source=../lab/doctor.sh
source "$(dirname "$0")/../lab/doctor.sh"
trap lab_down EXIT

lab_up ds
doctor_lab_up
doctor_nat64_start
doctor_dns64_start
doctor_lab_flags

step "c6 behind NAT64 + DNS64: IPv6-only with NAT64, prefix found by RFC 7050"
lab_expect_rc "doctor exit code" 10 c6 "$SIXFOUR" doctor --json --resolver "$DOC_DNS64" "${DOC_FLAGS[@]}"
assert_eq "verdict" ipv6_only_nat64 "$(doctor_json verdict)"
assert_eq "exit_code field" 10 "$(doctor_json exit_code)"
assert_eq "RFC 7050 prefix" "$DOC_PREFIX" "$(doctor_json nat64.rfc7050.0.prefixes.0)"
assert_eq "both WKAs answered" "192.0.0.170 192.0.0.171" \
  "$(printf '%s %s' "$(doctor_json nat64.rfc7050.0.answers.0.matches.0.wka)" "$(doctor_json nat64.rfc7050.0.answers.1.matches.0.wka)" | xargs -n1 | sort | xargs)"
assert_eq "IPv4 literal" fail "$(doctor_json probes.ipv4_literal.grade)"
assert_match "IPv6 literal" "^(ok|slow)$" "$(doctor_json probes.ipv6_literal.grade)"
assert_match "IPv4-only name through DNS64/NAT64" "^(ok|slow)$" "$(doctor_json probes.ipv4_name.grade)"
assert_eq "its AAAA is synthesized" true "$(doctor_json probes.ipv4_name.dns.synthesized)"
assert_eq "the synthesized AAAA" 2001:db8:64::c633:6402 "$(doctor_json probes.ipv4_name.dns.aaaa.0)"
assert_match "PREFIX::a.b.c.d" "^(ok|slow)$" "$(doctor_json probes.nat64_literal.grade)"
assert_eq "NAT64 literal address" 2001:db8:64::c633:6402 "$(doctor_json probes.nat64_literal.connected)"
assert_match "dual-stack name over IPv6" "^(ok|slow)$" "$(doctor_json probes.dual_stack_name.grade)"
assert_eq "dual-stack name connected to" "$DOC_DS6" "$(doctor_json probes.dual_stack_name.connected)"
assert_match "1280-byte path" "^(ok|slow)$" "$(doctor_json probes.pmtu.grade)"
assert_eq "PREF64 not advertised" "not visible" "$(doctor_json nat64.pref64.status)"
assert_eq "interface address kind" global "$(doctor_json interfaces.1.addresses.0.kind)"

step "the same as text"
lab_expect_rc "doctor exit code" 10 c6 "$SIXFOUR" doctor --resolver "$DOC_DNS64" "${DOC_FLAGS[@]}"
assert_match "verdict sentence" "Verdict: IPv6-only network with DNS64/NAT64 \(2001:db8:64::/96\): names work, IPv4 literals will fail" "$LAB_OUT"
assert_match "RFC 7050 line" "192\.0\.0\.170 at /96 -> 2001:db8:64::/96" "$LAB_OUT"

step "c6 with a resolver without DNS64: IPv6-only without NAT64"
lab_expect_rc "doctor exit code" 11 c6 "$SIXFOUR" doctor --json --resolver "[$DOC_PLAIN6]:53" "${DOC_FLAGS[@]}"
assert_eq "verdict" ipv6_only_no_nat64 "$(doctor_json verdict)"
assert_eq "ipv4only.arpa has no AAAA" "no AAAA (no DNS64)" "$(doctor_json nat64.rfc7050.0.status)"
assert_eq "IPv4-only name" fail "$(doctor_json probes.ipv4_name.grade)"
assert_eq "it resolved to A only" "$DOC_V4_HOST" "$(doctor_json probes.ipv4_name.dns.a.0)"
assert_eq "no prefix: NAT64 literal skipped" skipped "$(doctor_json probes.nat64_literal.grade)"
assert_match "sentence names the fix" "sixfour socks" "$(doctor_json sentence)"

step "gw advertises PREF64 (RFC 8781), still no DNS64: NAT64 without DNS64"
doctor_ra_start
lab_expect_rc "doctor exit code" 15 c6 "$SIXFOUR" doctor --json --resolver "$DOC_PLAIN6" "${DOC_FLAGS[@]}"
assert_eq "verdict" ipv6_only_nat64_no_dns64 "$(doctor_json verdict)"
assert_eq "PREF64 seen" visible "$(doctor_json nat64.pref64.status)"
assert_eq "PREF64 prefix" "$DOC_PREFIX" "$(doctor_json nat64.pref64.seen.0.prefix)"
assert_eq "PREF64 lifetime" 600 "$(doctor_json nat64.pref64.seen.0.lifetime_s)"
assert_eq "PREF64 interface" eth-gw "$(doctor_json nat64.pref64.seen.0.interface)"
assert_match "PREFIX::a.b.c.d through the advertised prefix" "^(ok|slow)$" "$(doctor_json probes.nat64_literal.grade)"
doctor_ra_stop

step "s4: IPv4-only"
lab_expect_rc "doctor exit code" 12 s4 "$SIXFOUR" doctor --json --resolver "$DOC_PLAIN4" "${DOC_FLAGS[@]}" \
  --v4-literal "$DOC_DS4"
assert_eq "verdict" ipv4_only "$(doctor_json verdict)"
assert_match "IPv4 literal" "^(ok|slow)$" "$(doctor_json probes.ipv4_literal.grade)"
assert_eq "IPv6 literal" fail "$(doctor_json probes.ipv6_literal.grade)"
assert_eq "IPv6-only name" fail "$(doctor_json probes.ipv6_name.grade)"
assert_eq "dual-stack name over IPv4" "$DOC_DS4" "$(doctor_json probes.dual_stack_name.connected)"
assert_eq "no IPv6 default route" "4" "$(doctor_json default_routes.0.family)"

step "ds: both families"
lab_expect_rc "doctor exit code" 0 ds "$SIXFOUR" doctor --json --resolver "$DOC_PLAIN_DS" "${DOC_FLAGS[@]}" \
  --v6-literal "$DOC_C6"
assert_eq "verdict" dual_stack "$(doctor_json verdict)"
assert_eq "sentence" "IPv4 and IPv6 both working." "$(doctor_json sentence)"
assert_eq "RFC 7050: no DNS64" "no AAAA (no DNS64)" "$(doctor_json nat64.rfc7050.0.status)"

step "unprivileged in c6: ping socket for the PMTU probe, no Router Solicitation"
# nobody must be able to run the binary: a copy in the (world-readable) scratch directory.
cp "$SIXFOUR" "$LAB_DIR/sixfour-doctor"
chmod 755 "$LAB_DIR" "$LAB_DIR/sixfour-doctor"
lab_sysctl c6 "net.ipv4.ping_group_range=65534 65534"
lab_expect_rc "doctor as nobody" 10 c6 setpriv --reuid=65534 --regid=65534 --clear-groups \
  "$LAB_DIR/sixfour-doctor" doctor --json --resolver "$DOC_DNS64" "${DOC_FLAGS[@]}"
assert_eq "verdict" ipv6_only_nat64 "$(doctor_json verdict)"
assert_match "PMTU through a ping socket" "^1280 bytes ok; 1500 bytes: ok \(ping socket\)$" "$(doctor_json probes.pmtu.detail)"
assert_match "no RS without CAP_NET_RAW" "no Router Solicitation sent" "$(doctor_json nat64.pref64.how)"
lab_sysctl c6 "net.ipv4.ping_group_range=1 0"
lab_expect_rc "doctor as nobody, no ping socket" 10 c6 setpriv --reuid=65534 --regid=65534 --clear-groups \
  "$LAB_DIR/sixfour-doctor" doctor --json --resolver "$DOC_DNS64" "${DOC_FLAGS[@]}"
assert_eq "PMTU probe skipped" skipped "$(doctor_json probes.pmtu.grade)"
assert_match "and why" "ping_group_range" "$(doctor_json probes.pmtu.detail)"

step "--offline: configuration only, nothing sent"
lab_expect_rc "c6 offline" 18 c6 "$SIXFOUR" doctor --json --offline --resolver "$DOC_DNS64"
assert_eq "verdict" ipv6_only "$(doctor_json verdict)"
assert_eq "no probes" 0 "$(doctor_json probes | "$LAB_PY" -c 'import ast,sys; print(len(ast.literal_eval(sys.stdin.read())))')"
assert_eq "offline flag" true "$(doctor_json offline)"
lab_expect_rc "ds offline" 0 ds "$SIXFOUR" doctor --offline
assert_match "text" "IPv4 and IPv6 both configured \(not probed: --offline\)" "$LAB_OUT"
lab_expect_rc "s4 offline" 12 s4 "$SIXFOUR" doctor --offline --json
assert_eq "verdict" ipv4_only "$(doctor_json verdict)"

step "bad usage: exit 2 and one line naming the value"
lab_expect_rc "bad resolver" 2 c6 "$SIXFOUR" doctor --resolver 2001:db8::zz
assert_eq "one line" 1 "$(wc -l <<<"$LAB_OUT")"
assert_match "names it" '2001:db8::zz' "$LAB_OUT"
lab_expect_rc "bad literal" 2 c6 "$SIXFOUR" doctor --v4-literal 2001:db8::1
assert_match "names it" '--v4-literal "2001:db8::1"' "$LAB_OUT"
lab_expect_rc "bad resolver port" 2 c6 "$SIXFOUR" doctor --resolver 198.51.100.1:65536
assert_match "names it" '198\.51\.100\.1:65536": bad port' "$LAB_OUT"
lab_expect_rc "bad name" 2 c6 "$SIXFOUR" doctor --ds-name 'a..b'
assert_match "names it" '--ds-name "a\.\.b"' "$LAB_OUT"

echo "PASS"
