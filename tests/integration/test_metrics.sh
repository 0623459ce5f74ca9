#!/usr/bin/env bash
# --metrics ADDR:PORT (issue 18): the daemons serve the counters of `stats --json` in the
# Prometheus text format. nat64 on gw's loopback: curl sees the translated-packet and session
# counters rise while c6 pings through it, `promtool check metrics` accepts the page, the numbers
# are those of `nat64 stats --json`, other paths get 404, and without --metrics nothing listens.
# dns64 and socks serve theirs too. A bad --metrics is a one-line configuration error (exit 2).
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")  # used by tests/lab/lab.sh
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
# shellcheck source=../lab/nat64.sh
source "$(dirname "$0")/../lab/nat64.sh"
# shellcheck source=../lab/dns64.sh
source "$(dirname "$0")/../lab/dns64.sh"
# shellcheck source=../lab/socks.sh
source "$(dirname "$0")/../lab/socks.sh"
trap lab_down EXIT

URL="http://[::1]:9164/metrics"
scrape() { lab_exec gw curl -sS --max-time 5 "$URL"; }
# sample NAME{LABELS}: the value of one sample of the last page in $PAGE.
sample() { awk -v k="$1" '$1 == k { print $2 }' <<<"$PAGE"; }

lab_up
step "bad --metrics values: exit 2, one line"
for bad in "localhost:9164" "[::1]" "[::1]:0" "127.0.0.1:99999"; do
  lab_expect_rc "--metrics $bad" 2 gw "$SIXFOUR" nat64 --pool4 "$N64_POOL4" --metrics "$bad"
  assert_eq "one line" 1 "$(wc -l <<<"$LAB_OUT")"
  [[ $LAB_OUT == "sixfour nat64: --metrics \"$bad\": "* ]] || fail "does not name --metrics \"$bad\": $LAB_OUT"
  echo "ok: names --metrics \"$bad\""
done

step "nat64 without --metrics: nothing listens on 9164"
nat64_start
if lab_exec gw curl -sS --max-time 2 "$URL" >/dev/null 2>&1; then fail "something answered on 9164"; fi
echo "ok: nothing on 9164"
lab_daemon_stop

step "nat64 --metrics [::1]:9164: the counters, rising with traffic"
nat64_start --metrics "[::1]:9164"
PAGE=$(scrape)
assert_match "content" "# TYPE sixfour_nat64_translated_packets_total counter" "$PAGE"
before=$(sample 'sixfour_nat64_translated_packets_total{family="ipv4"}')
assert_eq "no sessions yet" 0 "$(sample 'sixfour_nat64_sessions{proto="icmp"}')"
lab_ok "ping through the NAT64" c6 ping -n -c 5 -i 0.2 -W 2 "$LAB_S4_AS6"
PAGE=$(scrape)
after=$(sample 'sixfour_nat64_translated_packets_total{family="ipv4"}')
echo "translated to IPv4: $before before the ping, $after after"
assert_ge "the echo requests were counted" $((before + 1)) "$after"
assert_eq "one ICMP session" 1 "$(sample 'sixfour_nat64_sessions{proto="icmp"}')"
json_out4=$(nat64_stat out4)
assert_ge "stats --json agrees (it may have moved on since)" "$after" "$json_out4"
printf '%s\n' "$PAGE" >"$LAB_DIR/metrics.txt"
lab_ok "promtool check metrics" gw sh -c "promtool check metrics <'$LAB_DIR/metrics.txt'"
lab_expect_rc "another path" 22 gw curl -sS --fail --max-time 5 "http://[::1]:9164/"
assert_match "404" "404" "$LAB_OUT"
lab_daemon_stop

step "dns64 and socks: their own counters"
dns64_upstream_up
dns64_start --metrics "[::1]:9164"
dig6 h4.example.test AAAA
PAGE=$(scrape)
assert_eq "one UDP query" 1 "$(sample 'sixfour_dns64_queries_total{transport="udp"}')"
assert_eq "synthesized" 1 "$(sample 'sixfour_dns64_synthesized_total')"
printf '%s\n' "$PAGE" >"$LAB_DIR/metrics.txt"
lab_ok "promtool check metrics (dns64)" gw sh -c "promtool check metrics <'$LAB_DIR/metrics.txt'"
dns64_stop || fail "dns64 did not exit 0"
socks_start gw --listen "[$LAB_GW6]:1080" --metrics "[::1]:9164"
PAGE=$(scrape)
assert_eq "no client" 0 "$(sample 'sixfour_socks_clients_active')"
printf '%s\n' "$PAGE" >"$LAB_DIR/metrics.txt"
lab_ok "promtool check metrics (socks)" gw sh -c "promtool check metrics <'$LAB_DIR/metrics.txt'"
socks_stop

step "the Grafana dashboard's queries are valid PromQL"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
"$LAB_PY" - "$ROOT/packaging/grafana/sixfour-dashboard.json" >"$LAB_DIR/dashboard-rules.yml" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print("groups:\n- name: dashboard\n  rules:")
for p in d["panels"]:
    for i, t in enumerate(p["targets"]):
        expr = t["expr"].replace("$__rate_interval", "5m")
        print(f"  - record: sixfour:dashboard:p{p['id']}_{i}\n    expr: {json.dumps(expr)}")
PY
lab_ok "promtool check rules" gw promtool check rules "$LAB_DIR/dashboard-rules.yml"
echo PASS
