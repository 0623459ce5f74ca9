#!/usr/bin/env bash
# `sixfour lab`: the demo runs the whole story and exits 0, printing each step's command and real
# output (the last step: `sixfour clat` on the laptop, then ping -4, curl of an IPv4 literal and
# `sixfour doctor` saying 464XLAT, exit 14); `lab up` builds (idempotently) and `lab down` removes everything: namespaces, links,
# processes, /etc/netns files, the scratch directory; a demo interrupted with SIGINT still cleans up.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
P=sflab$$

# assert_line WHAT ERE TEXT: some line of TEXT matches ERE.
assert_line() {
  grep -qE -- "$2" <<<"$3" || fail "$1: expected a line matching /$2/, got:
$3"
  printf 'ok: %s: a line matches /%s/\n' "$1" "$2"
}

cleanup() {
  local rc=$?
  "$SIXFOUR" lab down --prefix "$P" >/dev/null 2>&1 || true
  return "$rc"
}
trap cleanup EXIT

# Nothing of the lab is left: no namespace, no /etc/netns directory, no scratch dir, no process,
# and the host's own links are the ones it had before.
links_before=$(ip -o link show | awk -F': ' '{print $2}' | sort)
assert_nothing_left() {
  assert_eq "$1: namespaces of $P" "" "$(ip netns list | awk '{print $1}' | grep "^$P-" || true)"
  assert_eq "$1: /etc/netns/$P-*" "" "$(ls -d /etc/netns/"$P"-* 2>/dev/null || true)"
  assert_eq "$1: scratch dir" "" "$(ls -d /run/sixfour/lab-"$P" 2>/dev/null || true)"
  assert_eq "$1: host links" "$links_before" "$(ip -o link show | awk -F': ' '{print $2}' | sort)"
  local pid
  for pid in ${2:-}; do
    kill -0 "$pid" 2>/dev/null && fail "$1: process $pid of the lab still runs: $(tr '\0' ' ' </proc/"$pid"/cmdline)"
  done
  printf 'ok: %s: nothing left\n' "$1"
}

step "sixfour lab demo --prefix $P"
rc=0
out=$("$SIXFOUR" lab demo --prefix "$P" 2>&1) || rc=$?
printf '%s\n' "$out"
assert_eq "demo exit code" 0 "$rc"
assert_no_match "no failed check" "✗" "$out"
assert_line "step 1 heading" '^== 1\. The laptop has only IPv6$' "$out"
assert_line "the command line is shown" '^laptop\$ ping -4 -c 1 -W 1 198\.51\.100\.2$' "$out"
assert_line "its real output" 'Network is unreachable' "$out"
assert_line "the gateway started" '^gw\$ sixfour gateway ' "$out"
assert_line "DNS64 answer" '^64:ff9b::c633:6402$' "$out"
assert_line "curl through NAT64" '^Hello from www\.v4\.sixfour\.example, a web server with IPv4 only\. You came from 198\.51\.100\.1\.$' "$out"
assert_line "traceroute's last hop" '^ *[0-9]+  64:ff9b::c633:6402 ' "$out"
assert_line "step 4" '^== 4\. ' "$out"
assert_line "SOCKS" 'You came from 203\.0\.113\.2\.$' "$out"
assert_line "step 6: the CLAT" '^== 6\. A CLAT on the laptop: IPv4 literals work too$' "$out"
assert_line "the CLAT started on the laptop" '^laptop\$ sixfour clat --probe 198\.51\.100\.2 ' "$out"
assert_line "it found the prefix by RFC 7050" '^NAT64 prefix: 64:ff9b:1::/96 \(RFC 7050 ' "$out"
assert_line "its own address in the laptop's /64" '^address mode: +dedicated ' "$out"
assert_line "the laptop's IPv4 default route" '^default dev clat0 .*src 192\.0\.0\.1 ' "$out"
assert_line "ping -4 through the CLAT" '^64 bytes from 198\.51\.100\.2: icmp_seq=1 ' "$out"
assert_line "curl an IPv4 literal" '^✓ curl http://198\.51\.100\.2/ works' "$out"
assert_line "doctor names the CLAT" '^  sixfour clat on clat0 \(carries the IPv4 default route; ' "$out"
assert_line "doctor's IPv4 literal went through it" '^    IPv4 literal 198\.51\.100\.2: (ok|slow) through the CLAT \(from 192\.0\.0\.1\)$' "$out"
assert_line "doctor's verdict 464XLAT" '^Verdict: IPv6-only network with 464XLAT: .*\(sixfour clat on clat0, NAT64 prefix 64:ff9b:1::/96 from rfc7050\)' "$out"
assert_line "exit code 14" '^✓ the doctor.s verdict: IPv6-only with 464XLAT, nothing to fix \(exit code 14\)$' "$out"
assert_line "the CLAT stopped cleanly" '^✓ clat stopped \(exit 0\)$' "$out"
assert_line "and took its route" '^✓ the CLAT took its IPv4 route with it' "$out"
assert_eq "the CLAT's control socket is gone" "" "$(ls /run/sixfour/clat-lab-"$P".sock 2>/dev/null || true)"
assert_line "summary" '^✓ demo: every step worked \([0-9]+ checks, [0-9.]+ s\)$' "$out"
assert_nothing_left "after the demo"

step "lab up, then lab up --gateway over it (idempotent), lab shell, lab down"
rc=0
"$SIXFOUR" lab up --prefix "$P" || rc=$?
assert_eq "lab up exit code" 0 "$rc"
"$SIXFOUR" lab up --gateway --prefix "$P" >/dev/null || rc=$?
assert_eq "second lab up (--gateway) exit code" 0 "$rc"
assert_eq "namespaces" "$P-ds $P-gw $P-laptop $P-web4" "$(ip netns list | awk '{print $1}' | grep "^$P-" | sort | xargs)"
out=$("$SIXFOUR" lab shell --prefix "$P" laptop -- cat /etc/resolv.conf)
assert_line "the laptop's resolver is the gateway" '^nameserver 2001:db8:6::1$' "$out"
out=$("$SIXFOUR" lab shell --prefix "$P" ds -- curl -sS --max-time 5 http://www.v4.sixfour.example/)
assert_eq "ds reaches the IPv4-only site by name over IPv4" \
  "Hello from www.v4.sixfour.example, a web server with IPv4 only. You came from 203.0.113.2." "$out"
out=$("$SIXFOUR" lab shell --prefix "$P" laptop -- curl -sS --max-time 5 http://www.v4.sixfour.example/)
assert_match "the laptop reaches it through the gateway" "^Hello from www\.v4\.sixfour\.example, .* You came from " "$out"
rc=0
out=$("$SIXFOUR" lab shell --prefix "$P" laptop -- ping -4 -c 1 -W 1 198.51.100.2 2>&1) || rc=$?
assert_ne "ping -4 from the laptop fails" 0 "$rc"
pids=$(for n in laptop gw web4 ds; do ip netns pids "$P-$n"; done | xargs)
assert_ne "servers running in the lab" "" "$pids"
rc=0
"$SIXFOUR" lab down --prefix "$P" || rc=$?
assert_eq "lab down exit code" 0 "$rc"
assert_nothing_left "after lab down" "$pids"
assert_match "lab down again" "nothing to remove" "$("$SIXFOUR" lab down --prefix "$P")"

step "SIGINT during the demo: torn down, exit 130"
log=$(mktemp)
"$SIXFOUR" lab demo --prefix "$P" >"$log" 2>&1 &
demo=$!
for ((i = 0; i < 200; i++)); do
  grep -q '^== 2\.' "$log" && break
  sleep 0.05
done
kill -INT "$demo"
rc=0
wait "$demo" || rc=$?
cat "$log"
rm -f "$log"
assert_eq "interrupted demo exit code" 130 "$rc"
assert_nothing_left "after SIGINT"

step "bad usage"
rc=0
out=$("$SIXFOUR" lab up --prefix 'a/b' 2>&1) || rc=$?
assert_eq "bad prefix exit code" 2 "$rc"
assert_eq "one line naming it" 1 "$(wc -l <<<"$out")"
assert_match "names the prefix" '"a/b"' "$out"
rc=0
out=$("$SIXFOUR" lab shell router 2>&1) || rc=$?
assert_eq "unknown node exit code" 2 "$rc"
assert_match "names the node" 'router' "$out"
echo PASS
