# shellcheck shell=bash disable=SC2034
# Lab helpers for `sixfour nat64` (RFC 6146), sourced after tests/lab/lab.sh. Same topology:
#   c6 2001:db8:6::2 -- gw (NAT64 on $LAB_TUN) -- s4 198.51.100.2 (default route via gw)
# The NAT64 prefix is a network-specific one (2001:db8:64::/96): the documentation ranges are
# not global, and RFC 6052 §3.1 forbids them with 64:ff9b::/96. The pool4 address 203.0.113.1 is
# routed into the TUN by the daemon; s4's replies reach it through its default route via gw.

N64_PREFIX=2001:db8:64::/96
N64_POOL4=203.0.113.1
N64_POOL4_AS6=2001:db8:64::cb00:7101  # the pool4 address as c6 sees it (hairpinning)

# nat64_start [EXTRA...]: the daemon with the lab's prefix and pool4 (EXTRA may add more).
nat64_start() {
  lab_daemon_start nat64 --tun "$LAB_TUN" --prefix "$N64_PREFIX" --pool4 "$N64_POOL4" \
    --control "$LAB_CTL" "$@"
}

# nat64_query stats|sessions|bib: the daemon's JSON.
nat64_query() {
  local json
  json=$(lab_exec gw "$SIXFOUR" nat64 "$1" --json --control "$LAB_CTL" 2>&1) ||
    fail "sixfour nat64 $1 --json failed: $json"
  printf '%s\n' "$json"
}

# nat64_stats: the counters as flat "name value" lines (nested JSON keys joined with '.').
nat64_stats() {
  local json
  json=$(nat64_query stats)
  "$LAB_PY" "$LAB_HOME/flatjson.py" <<<"$json" || fail "stats output is not JSON: $json"
}

# nat64_stat NAME [STATS]: one counter (exact flattened name, else the unique one ending in .NAME).
nat64_stat() {
  local name=$1 stats=${2:-} v
  [[ -n $stats ]] || stats=$(nat64_stats)
  v=$(awk -v k="$name" '$1 == k { print $2; exit }' <<<"$stats")
  if [[ -z $v ]]; then
    v=$(awk -v k="$name" 'substr($1, length($1) - length(k)) == "." k && $1 !~ /^per_worker/ { print $2 }' <<<"$stats")
    [[ $(wc -l <<<"$v") -eq 1 && -n $v ]] || fail "no unique counter '$name' in stats:
$stats"
  fi
  printf '%s\n' "$v"
}

# nat64_rows sessions|bib: one line per entry, fields space-separated in the JSON's order
# ("proto addr6 port6 remote6 remote_port6 addr4 port4 remote4 remote_port4 state expires_in_ms"
# for sessions, "proto addr6 port6 addr4 port4 static sessions" for the BIB).
nat64_rows() {
  nat64_query "$1" | "$LAB_PY" -c '
import json, sys
for e in json.load(sys.stdin):
    print(" ".join(str(v).lower() if isinstance(v, bool) else str(v) for v in e.values()))'
}

# udp_probe NODE ADDR PORT [SIZE]: one datagram from a fresh (connected) socket, so every call is
# a new flow with its own source port. Prints "reply N", "timeout", or "error ERRNO-NAME" (an ICMP
# error came back); exit 0 only for a reply. IPV6_RECVERR: Linux reports only "hard" ICMPv6 errors
# (port unreachable, prohibited) to a UDP socket without it, not e.g. address unreachable.
udp_probe() {
  lab_run "$1" "$LAB_PY" -c '
import errno, socket, sys
addr, port, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
if ":" in addr:
    s.setsockopt(socket.IPPROTO_IPV6, getattr(socket, "IPV6_RECVERR", 25), 1)
s.connect((addr, port))
try:
    s.send(b"x" * size)
    print("reply", len(s.recv(65535)))
except socket.timeout:
    print("timeout"); sys.exit(1)
except OSError as e:
    print("error", errno.errorcode.get(e.errno, e.errno)); sys.exit(1)
' "$2" "$3" "${4:-10}"
}

# assert_line WHAT ERE TEXT: some line of TEXT matches ERE (anchors apply per line).
assert_line() {
  grep -qE -- "$2" <<<"$3" || fail "$1: expected a line matching /$2/, got:
$3"
  printf 'ok: %s: a line matches /%s/\n' "$1" "$2"
}

# nat64_fast_counts [STATS]: the fast path's packets so far as "HITS PUNTS" (translated in the
# kernel, on the TUN or at the uplinks; handed to the daemon, every reason together); "0 0" when it
# is off. route_cached counts some of the uplinks' hits again, not punts.
nat64_fast_counts() {
  local stats=${1:-}
  [[ -n $stats ]] || stats=$(nat64_stats)
  awk '$1 == "fast_path.counters.hit" || $1 == "fast_path.counters.hit_uplink" { h += $2; next }
       $1 == "fast_path.counters.route_cached" { next }
       $1 ~ /^fast_path\.counters\./ { p += $2 }
       END { print h + 0, p + 0 }' <<<"$stats"
}
