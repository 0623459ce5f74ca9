#!/usr/bin/env bash
# Traffic through `sixfour nat64` (RFC 6146) from the IPv6-only client to the IPv4-only server:
# ping, UDP echo, TCP (download and upload checked by sha256, RST from a closed port),
# traceroute6; s4 sees every flow from the pool4 address, and the
# `sessions` / `bib` commands and --log-sessions (RFC 6888 §4) show the mappings.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")  # used by tests/lab/lab.sh
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
# shellcheck source=../lab/nat64.sh
source "$(dirname "$0")/../lab/nat64.sh"
trap lab_down EXIT

lab_up
www=$LAB_DIR/www
mkdir -p "$www"
printf 'hello from the IPv4-only server\n' >"$www/hello.txt"
head -c 2097152 /dev/urandom >"$www/big.bin"
want=$(sha256sum <"$www/big.bin" | cut -d' ' -f1)

nat64_start --log-sessions
lab_bg s4 udp4 "$LAB_PY" -u "$LAB_HOME/udp.py" serve "$LAB_S4" 7000
lab_bg s4 httpd4 "$LAB_PY" "$LAB_HOME/httpd.py" "$LAB_S4" 80 "$www"
lab_wait_port s4 udp "$LAB_S4" 7000
lab_wait_port s4 tcp "$LAB_S4" 80

step "ICMP echo c6 -> [$LAB_S4_AS6]"
lab_ok "ping from c6" c6 ping -n -c 3 -i 0.2 -W 2 "$LAB_S4_AS6"
assert_eq "echo replies" 3 "$(ping_received "$LAB_OUT")"
assert_match "replies come from the server's IPv6 form" "bytes from $LAB_S4_AS6: icmp_seq=" "$LAB_OUT"

step "UDP echo c6 -> [$LAB_S4_AS6]:7000"
for size in 1 1400; do
  lab_ok "UDP echo of $size bytes" c6 "$LAB_PY" "$LAB_HOME/udp.py" send "$LAB_S4_AS6" 7000 "$size"
  assert_match "echo ($size bytes)" "sent=$size recv=$size match=yes" "$LAB_OUT"
done
assert_match "s4 sees the client as the pool4 address" "from $N64_POOL4 port [0-9]+: 1400 bytes" "$(cat "$LAB_DIR/udp4.log")"

step "TCP: GET and POST 2 MiB"
curl_opts=(-g -sS --max-time 30)
lab_ok "curl hello.txt" c6 curl "${curl_opts[@]}" "http://[$LAB_S4_AS6]/hello.txt"
assert_eq "hello.txt content" "hello from the IPv4-only server" "$LAB_OUT"
assert_match "s4 saw the client as the pool4 address" "$N64_POOL4 - - .*GET /hello.txt" "$(cat "$LAB_DIR/httpd4.log")"
lab_ok "curl big.bin" c6 curl "${curl_opts[@]}" -o "$LAB_DIR/got.bin" -w '%{http_code} %{size_download}\n' \
  "http://[$LAB_S4_AS6]/big.bin"
assert_eq "HTTP status and size" "200 2097152" "$LAB_OUT"
assert_eq "sha256 of the download" "$want" "$(sha256sum <"$LAB_DIR/got.bin" | cut -d' ' -f1)"
lab_ok "curl upload" c6 curl "${curl_opts[@]}" --data-binary "@$www/big.bin" \
  -H 'Content-Type: application/octet-stream' "http://[$LAB_S4_AS6]/upload"
assert_eq "sha256 and length seen by s4" "$want 2097152" "$LAB_OUT"
lab_expect_rc "closed port 81: the RST crosses (connection refused)" 7 c6 curl "${curl_opts[@]}" --max-time 5 \
  "http://[$LAB_S4_AS6]:81/"

step "sessions and BIB"
lab_ok "sixfour nat64 sessions" gw "$SIXFOUR" nat64 sessions --control "$LAB_CTL"
assert_match "human sessions: a UDP session to s4:7000" \
  "udp +$LAB_C6#[0-9]+ +$N64_POOL4#[0-9]+ +$LAB_S4#7000 " "$LAB_OUT"
assert_match "human sessions: an ICMP session" "icmp +$LAB_C6#[0-9]+ +$N64_POOL4#[0-9]+ +$LAB_S4#" "$LAB_OUT"
rows=$(nat64_rows sessions)
printf '%s\n' "$rows"
assert_line "JSON: the TCP session to s4:80, pool4 port in 1024-65535" \
  "^tcp $LAB_C6 [0-9]+ $LAB_S4_AS6 80 $N64_POOL4 ([1-9][0-9]{3,4}) $LAB_S4 80 " "$rows"
lab_ok "sixfour nat64 bib" gw "$SIXFOUR" nat64 bib --control "$LAB_CTL"
assert_match "human BIB: a dynamic UDP entry" "udp +$LAB_C6#[0-9]+ +$N64_POOL4#[0-9]+ +dynamic +[0-9]+" "$LAB_OUT"
rows=$(nat64_rows bib)
assert_line "JSON BIB: a dynamic TCP entry" "^tcp $LAB_C6 [0-9]+ $N64_POOL4 [0-9]+ false [0-9]+" "$rows"
stats=$(nat64_stats)
# The eBPF fast path (on by default) translates most packets of established flows in the kernel:
# its hits count with the daemon's own.
read -r fast_hits _ <<<"$(nat64_fast_counts "$stats")"
assert_ge "in6" 10 "$(nat64_stat in6 "$stats")"
assert_ge "out4 (+ fast path hits)" 10 $(($(nat64_stat out4 "$stats") + fast_hits))
assert_ge "in4 (+ fast path hits)" 10 $(($(nat64_stat in4 "$stats") + fast_hits))
assert_ge "out6 (+ fast path hits)" 10 $(($(nat64_stat out6 "$stats") + fast_hits))
assert_ge "state: UDP sessions" 1 "$(nat64_stat sessions.udp "$stats")"
assert_ge "state: TCP BIB entries" 1 "$(nat64_stat bib.tcp "$stats")"

step "--log-sessions: one line per BIB entry / session added (RFC 6888 §4)"
log=$(cat "$LAB_DAEMON_LOG")
assert_match "session log line" \
  "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z session-add udp inside $LAB_C6#[0-9]+ outside $N64_POOL4#[0-9]+ remote $LAB_S4#7000" "$log"
assert_line "ICMP session log line (no remote port: the identifier is the port)" \
  "session-add icmp inside $LAB_C6#[0-9]+ outside $N64_POOL4#[0-9]+ remote $LAB_S4\$" "$log"
assert_match "BIB log line" "Z bib-add tcp inside $LAB_C6#[0-9]+ outside $N64_POOL4#[0-9]+" "$log"

step "traceroute6 c6 -> [$LAB_S4_AS6]"
lab_ok "traceroute6" c6 traceroute -6 -n -q 1 -w 1 -m 8 "$LAB_S4_AS6"
hops=$(traceroute_hops "$LAB_OUT")
printf 'answered hops:\n%s\n' "$hops"
assert_eq "first hop (gw)" "1 $LAB_GW6" "$(head -n 1 <<<"$hops")"
# The gateway, NAT64 included, is one hop (the translator gives back one of the kernel's two
# decrements): the next hop is the destination.
assert_eq "second hop is the destination" "2 $LAB_S4_AS6" "$(sed -n 2p <<<"$hops")"
assert_eq "two hops" 2 "$(grep -c . <<<"$hops")"
lab_daemon_stop

step "traceroute6 c6 -> [$LAB_S4_AS6] with --offload off: still one hop"
nat64_start --offload off
lab_ok "traceroute6" c6 traceroute -6 -n -q 1 -w 1 -m 8 "$LAB_S4_AS6"
hops=$(traceroute_hops "$LAB_OUT")
printf 'answered hops:\n%s\n' "$hops"
assert_eq "first hop (gw)" "1 $LAB_GW6" "$(head -n 1 <<<"$hops")"
assert_eq "second hop is the destination" "2 $LAB_S4_AS6" "$(sed -n 2p <<<"$hops")"
assert_eq "two hops" 2 "$(grep -c . <<<"$hops")"

lab_daemon_stop
echo PASS
