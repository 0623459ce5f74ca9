# shellcheck shell=bash disable=SC2034,SC2154
# The "hotspot" lab for `sixfour clat` (464XLAT, RFC 6877), sourced after tests/lab/lab.sh:
#
#   laptop (IPv6 only, SLAAC)            carrier (router, PLAT)                  server (IPv4 only)
#   2001:db8:6::EUI64/64 eth-carrier ---- eth-laptop 2001:db8:6::1/64
#   default route: the carrier's          RAs: PIO 2001:db8:6::/64 (+ PREF64, RDNSS by flags)
#   link-local (from the RAs)             sixfour nat64 2001:db8:64::/96 -> 192.0.2.1 (TUN nat64a)
#   resolv.conf: 2001:db8:6::1            sixfour dns64 [2001:db8:6::1]:53 -> NSD 127.0.0.1:53
#                                         (ipv4only.arpa A 192.0.0.170/171, clat.test)
#                                         eth-server 198.51.100.1/24 ---- eth-carrier 198.51.100.2/24
#                                                                         HTTP :80, iperf3 :5201,
#                                                                         UDP echo :9999
#
# The laptop is the host the CLAT runs on: accept_ra=1, autoconf=1, forwarding=0 on its uplink,
# so it learns its address and its default route from the carrier's router advertisements
# (tests/lab/ra.py), as on a phone hotspot. Its resolv.conf is /etc/netns/<ns>/resolv.conf, which
# `ip netns exec` bind-mounts over /etc/resolv.conf; clat_lab_down removes it. Optional pieces:
# a second NAT64 with another prefix (clat_nat64_b_start: 2001:db8:46::/96 -> 192.0.2.2, TUN
# nat64b), a plain resolver answering ipv4only.arpa AAAA with given prefixes (clat_plain_dns),
# native IPv4 on the laptop (clat_native4_up/down), renumbering (clat_renumber).
# Only documentation addresses. Tests: `trap clat_lab_down EXIT`.

LAB_MORE_NODES=(laptop carrier server)
CLAT_NET6=2001:db8:6::/64            # the laptop's SLAAC /64
CLAT_NET6_B=2001:db8:7::/64          # the /64 after renumbering
CLAT_CARRIER6=2001:db8:6::1          # the carrier on the laptop's link; also the DNS64
CLAT_DNS64=2001:db8:6::1
CLAT_PLAIN_DNS=2001:db8:6::54        # clat_plain_dns: a resolver without DNS64
CLAT_PREFIX=2001:db8:64::/96         # the PLAT prefix (sixfour nat64 "a", sixfour dns64)
CLAT_POOL4=192.0.2.1
CLAT_PREFIX_B=2001:db8:46::/96       # a second PLAT (sixfour nat64 "b", on demand)
CLAT_POOL4_B=192.0.2.2
CLAT_S4=198.51.100.2                 # the server
CLAT_S4_AS6=2001:db8:64::c633:6402   # the server through CLAT_PREFIX (RFC 6052)
CLAT_S4_AS6_B=2001:db8:46::c633:6402 # the server through CLAT_PREFIX_B
CLAT_CARRIER4=198.51.100.1
CLAT_NATIVE4_GW=203.0.113.1          # clat_native4_up: native IPv4 on the laptop's link
CLAT_NATIVE4=203.0.113.2
CLAT_UDP_PORT=9999
CLAT_HTTP_PORT=80
CLAT_TUN=clat0
CLAT_WAIT=${CLAT_WAIT:-20}           # seconds clat_start waits for "active"
CLAT_CTL=
CLAT_PID=
CLAT_LOG=
CLAT_RA_PID=
CLAT_RA_PREFIXES=()
CLAT_RA_EXTRA=()
CLAT_NAT64_PID=
CLAT_NAT64_B_PID=
CLAT_DNS64_PID=
CLAT_SYSCTL0=                        # the laptop's sysctls before any CLAT ran (clat_leftovers)
CLAT_SIZE_MB=${CLAT_SIZE_MB:-4}      # the file the server's httpd serves

clat_ns_etc() { printf '/etc/netns/%s' "$(lab_ns laptop)"; }

# clat_resolv ADDR...: the laptop's resolv.conf names these resolvers (none: removes it).
clat_resolv() {
  local dir a
  dir=$(clat_ns_etc)
  if (($# == 0)); then
    rm -rf "$dir"
    return 0
  fi
  mkdir -p "$dir"
  for a in "$@"; do printf 'nameserver %s\n' "$a"; done >"$dir/resolv.conf"
  printf 'options timeout:2 attempts:1\n' >>"$dir/resolv.conf"
}

# clat_lab_down: stops everything and removes the nodes and the laptop's resolv.conf; for
# `trap clat_lab_down EXIT` (keeps the exit status).
clat_lab_down() {
  local rc=$?
  [[ -z ${LAB_PREFIX:-} ]] || rm -rf "$(clat_ns_etc)"
  lab_down
  return "$rc"
}

# The laptop's sysctls a CLAT might touch, as one line (clat_leftovers compares them).
clat_sysctls() {
  lab_exec laptop sysctl -n net.ipv6.conf.all.forwarding net.ipv6.conf.eth-carrier.forwarding \
    net.ipv6.conf.eth-carrier.accept_ra net.ipv6.conf.eth-carrier.proxy_ndp \
    net.ipv6.conf.all.proxy_ndp net.ipv4.ip_forward | xargs
}

clat_zones() {
  cat >"$LAB_DIR/ipv4only.arpa.zone" <<'ZONE'
$ORIGIN ipv4only.arpa.
$TTL 300
@       3600 IN SOA ns.clat.test. admin.clat.test. 1 3600 600 86400 60
@            IN NS  ns.clat.test.
@            IN A   192.0.0.170
@            IN A   192.0.0.171
ZONE
  cat >"$LAB_DIR/clat.test.zone" <<ZONE
\$ORIGIN clat.test.
\$TTL 300
@       3600 IN SOA ns.clat.test. admin.clat.test. 1 3600 600 86400 60
@            IN NS  ns.clat.test.
ns           IN A   127.0.0.1
server       IN A   $CLAT_S4
ZONE
}

# clat_nsd NAME ADDR ZONE...: an authoritative NSD in the carrier on ADDR:53 serving
# $LAB_DIR/ZONE.zone for each ZONE.
clat_nsd() {
  local name=$1 addr=$2 z
  shift 2
  {
    cat <<EOF2
server:
  ip-address: $addr
  port: 53
  username: ""
  chroot: ""
  zonesdir: "$LAB_DIR"
  database: ""
  zonelistfile: "$LAB_DIR/$name.zonelist"
  xfrdfile: "$LAB_DIR/$name.xfrd.state"
  xfrdir: "$LAB_DIR"
  pidfile: "$LAB_DIR/$name.pid"
  logfile: "$LAB_DIR/$name.errors"
  server-count: 1
  hide-version: yes
  verbosity: 1
remote-control:
  control-enable: no
EOF2
    for z in "$@"; do printf 'zone:\n  name: "%s"\n  zonefile: "%s"\n' "$z" "$LAB_DIR/$z.zone"; done
  } >"$LAB_DIR/$name.conf"
  lab_bg carrier "$name" nsd -d -c "$LAB_DIR/$name.conf"
  lab_wait_port carrier udp "$addr" 53
}

# clat_plain_dns PREFIX...: a resolver without DNS64 on CLAT_PLAIN_DNS whose ipv4only.arpa has
# AAAA records with 192.0.0.170 and .171 embedded in each PREFIX (/96), in that order, as a DNS64
# with several prefixes answers (RFC 7050 §3); the laptop's resolv.conf then names only it.
clat_plain_dns() {
  local p base
  if [[ -n ${LAB_PID_nsd_plain:-} ]]; then # a second call replaces the first resolver
    kill -TERM "$LAB_PID_nsd_plain" 2>/dev/null || true
    wait "$LAB_PID_nsd_plain" 2>/dev/null || true
    LAB_PID_nsd_plain=
  fi
  mkdir -p "$LAB_DIR/plain"
  {
    printf '%s\n' "\$ORIGIN ipv4only.arpa." "\$TTL 300"
    printf '@ 3600 IN SOA ns.clat.test. admin.clat.test. 1 3600 600 86400 60\n@ IN NS ns.clat.test.\n'
    for p in "$@"; do
      base=${p%/96}
      base=${base%::}
      printf '@ IN AAAA %s::c000:aa\n@ IN AAAA %s::c000:ab\n' "$base" "$base"
    done
  } >"$LAB_DIR/plain/ipv4only.arpa.zone"
  ip -n "$(lab_ns carrier)" addr add "$CLAT_PLAIN_DNS/64" dev eth-laptop nodad 2>/dev/null || true
  local save=$LAB_DIR
  LAB_DIR=$save/plain
  clat_nsd nsd-plain "$CLAT_PLAIN_DNS" ipv4only.arpa
  LAB_DIR=$save
  clat_resolv "$CLAT_PLAIN_DNS"
}

# clat_ra_start [ra.py FLAGS...]: the carrier advertises the prefixes in CLAT_RA_PREFIXES
# (default: CLAT_NET6) plus the given flags (--pref64 P, --rdnss A, ...), every 0.5 s.
clat_ra_start() {
  clat_ra_stop
  CLAT_RA_EXTRA=("$@")
  ((${#CLAT_RA_PREFIXES[@]})) || CLAT_RA_PREFIXES=("$CLAT_NET6")
  local args=(eth-laptop) p
  for p in "${CLAT_RA_PREFIXES[@]}"; do args+=(--prefix "$p"); done
  args+=(${CLAT_RA_EXTRA[@]+"${CLAT_RA_EXTRA[@]}"})
  printf '+ [carrier] ra.py %s &\n' "${args[*]}"
  lab_bg carrier ra "$LAB_PY" "$LAB_HOME/ra.py" "${args[@]}"
  CLAT_RA_PID=$LAB_PID_ra
}

# clat_ra_prefixes PIO...: what the next clat_ra_start advertises (ra.py --prefix values).
clat_ra_prefixes() { CLAT_RA_PREFIXES=("$@"); }

clat_ra_stop() {
  [[ -n $CLAT_RA_PID ]] || return 0
  kill -TERM "$CLAT_RA_PID" 2>/dev/null || true
  wait "$CLAT_RA_PID" 2>/dev/null || true
  CLAT_RA_PID=
}

# clat_laptop_addr [NET]: the laptop's global, non-deprecated IPv6 address (in NET if given).
clat_laptop_addr() {
  local net=${1:-} a
  while read -r a; do
    [[ -z $net ]] && { printf '%s\n' "$a"; return 0; }
    [[ $a == "${net%::/64}":* ]] && { printf '%s\n' "$a"; return 0; }
  done < <(ip -n "$(lab_ns laptop)" -6 -o addr show dev eth-carrier scope global -deprecated -tentative 2>/dev/null |
    awk '{ sub(/\/.*/, "", $4); print $4 }')
  return 1
}

# clat_wait_slaac [NET]: waits until the laptop has a SLAAC address (in NET) and an IPv6 default
# route from the RAs.
clat_wait_slaac() {
  local net=${1:-$CLAT_NET6} i
  for ((i = 0; i < LAB_WAIT * 10; i++)); do
    if clat_laptop_addr "$net" >/dev/null &&
      ip -n "$(lab_ns laptop)" -6 route show default 2>/dev/null | grep -q 'proto ra'; then
      lab_log "laptop: SLAAC address $(clat_laptop_addr "$net"), default route via RA"
      return 0
    fi
    sleep 0.1
  done
  ip -n "$(lab_ns laptop)" -6 addr >&2 || true
  ip -n "$(lab_ns laptop)" -6 route >&2 || true
  fail "laptop: no SLAAC address in $net with an RA default route after ${LAB_WAIT}s"
}

# clat_tun_wait NODE TUN [ROUTE6]: waits until TUN is up in NODE (and ROUTE6 goes through it).
clat_tun_wait() {
  local node=$1 tun=$2 route6=${3:-} pid=${4:-} i
  for ((i = 0; i < LAB_WAIT * 10; i++)); do
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
      fail "process $pid exited before $tun came up in $node"
    fi
    if ip -n "$(lab_ns "$node")" -o link show dev "$tun" 2>/dev/null | grep -qE '[<,]UP[,>]' &&
      { [[ -z $route6 ]] || ip -n "$(lab_ns "$node")" -6 route show "$route6" 2>/dev/null | grep -q "dev $tun"; }; then
      return 0
    fi
    sleep 0.1
  done
  fail "$tun not up in $node${route6:+ with a route to $route6} after ${LAB_WAIT}s"
}

# clat_nat64_start NAME TUN PREFIX POOL4 [EXTRA...]: a sixfour nat64 in the carrier; prints its pid
# into CLAT_LAST_PID. Control socket $LAB_DIR/NAME.sock, log $LAB_DIR/NAME.log.
clat_nat64_start() {
  local name=$1 tun=$2 prefix=$3 pool4=$4
  shift 4
  [[ -x ${SIXFOUR:-} ]] || fail "SIXFOUR='${SIXFOUR:-}' is not an executable"
  local args=(nat64 --tun "$tun" --prefix "$prefix" --pool4 "$pool4" --control "$LAB_DIR/$name.sock" "$@")
  printf '+ [carrier] %s %s &\n' "$SIXFOUR" "${args[*]}"
  ip netns exec "$(lab_ns carrier)" ${LAB_SETSID:+setsid} "$SIXFOUR" "${args[@]}" >"$LAB_DIR/$name.log" 2>&1 &
  CLAT_LAST_PID=$!
  clat_tun_wait carrier "$tun" "$prefix" "$CLAT_LAST_PID"
}

clat_nat64_b_start() {
  clat_nat64_start nat64b nat64b "$CLAT_PREFIX_B" "$CLAT_POOL4_B" "$@"
  CLAT_NAT64_B_PID=$CLAT_LAST_PID
}

# clat_nat64_translated NAME: packets the carrier's NAT64 NAME translated: those its daemon sent as
# IPv4 plus those its eBPF fast path translated in the kernel (either direction).
clat_nat64_translated() {
  local json flat
  json=$(lab_exec carrier "$SIXFOUR" nat64 stats --json --control "$LAB_DIR/$1.sock" 2>&1) ||
    fail "sixfour nat64 stats ($1) failed: $json"
  flat=$("$LAB_PY" "$LAB_HOME/flatjson.py" <<<"$json")
  awk '$1 == "out4" || $1 == "fast_path.counters.hit" || $1 == "fast_path.counters.hit_uplink" { n += $2 }
       END { print n + 0 }' <<<"$flat"
}

# clat_pick NAME FLAT: the value of NAME in flattened "key value" lines (exact key, else the
# unique key ending in ".NAME", per-worker copies left out).
clat_pick() {
  local name=$1 flat=$2 v
  v=$(awk -v k="$name" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' <<<"$flat")
  if [[ -z $v ]]; then
    v=$(awk -v k="$name" 'substr($1, length($1) - length(k)) == "." k && $1 !~ /^per_worker/ {
      $1 = ""; sub(/^ /, ""); print }' <<<"$flat")
    [[ -n $v && $(wc -l <<<"$v") -eq 1 ]] || fail "no unique field '$name' in:
$flat"
  fi
  printf '%s\n' "$v"
}

clat_dns64_start() {
  local args=(dns64 --listen "[$CLAT_DNS64]:53" --upstream 127.0.0.1:53 --prefix "$CLAT_PREFIX"
    --allow "$CLAT_NET6" --allow "$CLAT_NET6_B" --control "$LAB_DIR/dns64.sock")
  printf '+ [carrier] %s %s &\n' "$SIXFOUR" "${args[*]}"
  ip netns exec "$(lab_ns carrier)" "$SIXFOUR" "${args[@]}" >"$LAB_DIR/dns64.log" 2>&1 &
  CLAT_DNS64_PID=$!
  lab_wait_port carrier udp "$CLAT_DNS64" 53
}

# clat_lab_up [ra.py FLAGS...]: builds the hotspot, starts the carrier's NAT64, DNS64 and RAs
# (with these flags, e.g. --pref64 2001:db8:64::/96), the server's services, and waits until the
# laptop has its SLAAC address and default route. Default RA flags: none (PIO only).
clat_lab_up() {
  [[ $(id -u) -eq 0 ]] || { echo "lab: must run as root" >&2; return 1; }
  [[ -n $LAB_DIR ]] || LAB_DIR=$(mktemp -d "/tmp/sixfour-lab-$LAB_PREFIX.XXXXXX")
  mkdir -p "$LAB_DIR"
  CLAT_CTL=$LAB_DIR/clat.sock
  CLAT_LOG=$LAB_DIR/clat.log
  lab_log "building hotspot lab '$LAB_PREFIX' (scratch dir $LAB_DIR)"
  local n
  for n in laptop carrier server; do lab_add_node "$n"; done
  lab_link laptop carrier
  lab_link carrier server

  # carrier: a router in both families; rp_filter off for the NAT64's RFC 7600 ICMP errors.
  lab_sysctl carrier net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
    net.ipv6.conf.default.forwarding=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
  lab_v6_if carrier eth-laptop
  ip -n "$(lab_ns carrier)" addr add "$CLAT_CARRIER6/64" dev eth-laptop nodad
  ip -n "$(lab_ns carrier)" addr add "${CLAT_NET6_B%::/64}::1/64" dev eth-laptop nodad
  lab_up_if carrier eth-laptop
  lab_v4_only_if carrier eth-server
  ip -n "$(lab_ns carrier)" addr add "$CLAT_CARRIER4/24" dev eth-server
  lab_up_if carrier eth-server

  # laptop: IPv6 by SLAAC only. No forwarding, so accept_ra=1 is enough.
  lab_sysctl laptop net.ipv6.conf.all.forwarding=0 net.ipv4.ip_forward=0 \
    net.ipv6.conf.eth-carrier.forwarding=0 net.ipv6.conf.eth-carrier.accept_ra=1 \
    net.ipv6.conf.eth-carrier.autoconf=1 net.ipv6.conf.eth-carrier.accept_ra_defrtr=1 \
    net.ipv6.conf.eth-carrier.accept_ra_pinfo=1 net.ipv6.conf.eth-carrier.accept_dad=0
  lab_up_if laptop eth-carrier

  # server: IPv4 only.
  lab_sysctl server net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
    net.ipv6.conf.lo.disable_ipv6=1
  lab_v4_only_if server eth-carrier
  ip -n "$(lab_ns server)" addr add "$CLAT_S4/24" dev eth-carrier
  lab_up_if server eth-carrier
  ip -n "$(lab_ns server)" route add default via "$CLAT_CARRIER4" dev eth-carrier

  clat_server_up
  clat_zones
  clat_nsd nsd 127.0.0.1 ipv4only.arpa clat.test
  clat_nat64_start nat64a nat64a "$CLAT_PREFIX" "$CLAT_POOL4"
  CLAT_NAT64_PID=$CLAT_LAST_PID
  clat_dns64_start
  clat_resolv "$CLAT_DNS64"
  clat_ra_start "$@"
  clat_wait_slaac
  # Fill the neighbour caches on both links before any test measures anything.
  lab_exec laptop ping -n -c 1 -W 2 "$CLAT_CARRIER6" >/dev/null 2>&1 || true
  lab_exec server ping -n -c 1 -W 2 "$CLAT_CARRIER4" >/dev/null 2>&1 || true
  CLAT_SYSCTL0=$(clat_sysctls)
  lab_log "hotspot lab '$LAB_PREFIX' up: ${LAB_NODES[*]}"
}

# The server's services: HTTP (GET $LAB_DIR/www/*, POST answers sha256 and length), iperf3 and a
# UDP echo.
clat_server_up() {
  mkdir -p "$LAB_DIR/www"
  echo hello >"$LAB_DIR/www/index.html"
  head -c "$((CLAT_SIZE_MB * 1048576))" /dev/urandom >"$LAB_DIR/www/big.bin"
  lab_bg server httpd "$LAB_PY" "$LAB_HOME/httpd.py" "$CLAT_S4" "$CLAT_HTTP_PORT" "$LAB_DIR/www"
  lab_bg server iperf3 iperf3 -s -B "$CLAT_S4"
  lab_bg server udp-echo "$LAB_PY" "$LAB_HOME/udp.py" serve "$CLAT_S4" "$CLAT_UDP_PORT"
  lab_wait_port server tcp "$CLAT_S4" "$CLAT_HTTP_PORT"
  lab_wait_port server tcp "$CLAT_S4" 5201
  lab_wait_port server udp "$CLAT_S4" "$CLAT_UDP_PORT"
}

# ---------------------------------------------------------------------------------------------
# The CLAT daemon in the laptop.

# clat_start_bg [ARGS...]: starts `sixfour clat --control $CLAT_CTL ARGS` in the laptop (with
# --probe the server unless ARGS name one) and returns at once; pid in CLAT_PID.
clat_start_bg() {
  [[ -x ${SIXFOUR:-} ]] || fail "SIXFOUR='${SIXFOUR:-}' is not an executable"
  local args=(clat --control "$CLAT_CTL")
  [[ " $* " == *" --probe "* ]] || args+=(--probe "$CLAT_S4")
  args+=("$@")
  LAB_DAEMON_LOG=$CLAT_LOG
  printf '+ [laptop] %s %s &\n' "$SIXFOUR" "${args[*]}"
  ip netns exec "$(lab_ns laptop)" ${LAB_SETSID:+setsid} "$SIXFOUR" "${args[@]}" >>"$CLAT_LOG" 2>&1 &
  CLAT_PID=$!
  LAB_DAEMON_PID=$CLAT_PID
}

# clat_start [ARGS...]: clat_start_bg, then waits until `status` says active.
clat_start() {
  clat_start_bg "$@"
  clat_wait_state active
}

# clat_status_json: the daemon's status JSON (fails if the daemon does not answer).
clat_status_json() {
  lab_exec laptop "$SIXFOUR" clat status --json --control "$CLAT_CTL" 2>&1
}

# clat_status FIELD: one field of `sixfour clat status --json` (flattened, dotted keys).
clat_status() {
  local json
  json=$(clat_status_json) || fail "sixfour clat status --json failed: $json"
  clat_pick "$1" "$("$LAB_PY" "$LAB_HOME/flatjson.py" --strings <<<"$json" || fail "status is not JSON: $json")"
}

# clat_wait_state STATE [SECONDS]: waits until status says STATE (active, inactive,
# active-behind-native); fails with the last status and the log if the daemon exits or the time
# runs out.
clat_wait_state() {
  local want=$1 secs=${2:-$CLAT_WAIT} i json state=
  for ((i = 0; i < secs * 10; i++)); do
    if ! kill -0 "$CLAT_PID" 2>/dev/null; then
      local rc=0
      wait "$CLAT_PID" || rc=$?
      CLAT_PID='' LAB_DAEMON_PID=''
      fail "sixfour clat exited (code $rc) before its status said '$want'"
    fi
    if json=$(clat_status_json); then
      state=$("$LAB_PY" -c 'import json,sys; print(json.load(sys.stdin).get("state", ""))' <<<"$json" 2>/dev/null) || state=
      if [[ $state == "$want" ]]; then
        lab_log "clat pid $CLAT_PID: $state ($(clat_status reason))"
        return 0
      fi
    fi
    sleep 0.1
  done
  fail "sixfour clat: status not '$want' after ${secs}s (state '$state'); last status:
$json"
}

# clat_wait_field FIELD ERE [SECONDS]: waits until status FIELD matches ERE (the daemon follows a
# change of the network); fails with the last value.
clat_wait_field() {
  local field=$1 re=$2 secs=${3:-$CLAT_WAIT} i v=
  for ((i = 0; i < secs * 10; i++)); do
    kill -0 "$CLAT_PID" 2>/dev/null || fail "sixfour clat exited while waiting for $field =~ /$re/"
    v=$(clat_status "$field" 2>/dev/null) || v=
    if [[ $v =~ $re ]]; then
      printf 'ok: status %s = %s (matches /%s/)\n' "$field" "$v" "$re"
      return 0
    fi
    sleep 0.1
  done
  fail "sixfour clat: status $field not matching /$re/ after ${secs}s, last '$v'; status:
$(clat_status_json)"
}

# clat_stop: SIGTERM; the daemon must exit 0 within LAB_WAIT seconds.
clat_stop() {
  [[ -n $CLAT_PID ]] || fail "no sixfour clat running"
  LAB_DAEMON_PID=$CLAT_PID
  lab_daemon_stop
  CLAT_PID=
}

# clat_kill9: SIGKILL, as a crash would.
clat_kill9() {
  [[ -n $CLAT_PID ]] || fail "no sixfour clat running"
  kill -KILL "$CLAT_PID" 2>/dev/null || fail "sixfour clat pid $CLAT_PID already gone"
  wait "$CLAT_PID" 2>/dev/null || true
  CLAT_PID='' LAB_DAEMON_PID=''
  printf 'ok: sixfour clat killed with SIGKILL\n'
}

# clat_stats: the translator counters as flat "name value" lines; clat_stat NAME [STATS]: one.
clat_stats() {
  local json
  json=$(lab_exec laptop "$SIXFOUR" clat stats --json --control "$CLAT_CTL" 2>&1) ||
    fail "sixfour clat stats --json failed: $json"
  "$LAB_PY" "$LAB_HOME/flatjson.py" <<<"$json" || fail "stats output is not JSON: $json"
}

clat_stat() {
  local stats=${2:-}
  [[ -n $stats ]] || stats=$(clat_stats)
  clat_pick "$1" "$stats"
}

# clat_ping4_ok WHAT: three pings from the laptop to the server's IPv4 literal, all answered. When
# one is not, the non-zero totals of the CLAT's and the running NAT64s' counters and both ends'
# neighbour tables are printed before the failure, to say where the packet was lost.
clat_ping4_ok() {
  lab_run laptop ping -4 -n -c 3 -i 0.2 -W 2 "$CLAT_S4" || true
  local got sock
  got=$(ping_received "$LAB_OUT")
  if [[ $got != 3 ]]; then
    printf -- '--- %s: %s of 3 replies; non-zero counters and neighbours\n' "$1" "${got:-no}" >&2
    lab_nonzero_counters laptop clat "$CLAT_CTL" clat >&2
    for sock in "$LAB_DIR"/nat64?.sock; do
      [[ -S $sock ]] || continue
      lab_nonzero_counters carrier nat64 "$sock" "$(basename "$sock" .sock)" >&2
    done
    printf -- '--- laptop neighbours\n' >&2
    ip -n "$(lab_ns laptop)" neigh show >&2 || true
    printf -- '--- carrier neighbours\n' >&2
    ip -n "$(lab_ns carrier)" neigh show >&2 || true
  fi
  assert_eq "$1: ping -4 $CLAT_S4 replies" 3 "$got"
}

# clat_leftovers: nothing of a CLAT is left on the laptop: no TUN, no IPv4 default route, no
# 192.0.0.0/29 address, no sixfour nft table, no proxy neighbour entries, the sysctls as before.
clat_leftovers() {
  local ns out
  ns=$(lab_ns laptop)
  out=$(ip -n "$ns" -o link show dev "$CLAT_TUN" 2>/dev/null) && fail "leftover: link $CLAT_TUN: $out"
  out=$(ip -n "$ns" -o link show 2>/dev/null | grep -E 'clat|tun' || true)
  [[ -z $out ]] || fail "leftover: a CLAT/TUN link: $out"
  out=$(ip -n "$ns" -4 route show default 2>/dev/null)
  [[ -z $out ]] || fail "leftover: IPv4 default route: $out"
  out=$(ip -n "$ns" -4 route show table all 2>/dev/null | grep -E '192\.0\.0\.' || true)
  [[ -z $out ]] || fail "leftover: IPv4 route of 192.0.0.0/29: $out"
  out=$(ip -n "$ns" -4 -o addr 2>/dev/null | grep -F ' 192.0.0.' || true)
  [[ -z $out ]] || fail "leftover: address of 192.0.0.0/29: $out"
  out=$(lab_exec laptop nft list tables 2>/dev/null | grep -i sixfour || true)
  [[ -z $out ]] || fail "leftover: nft table: $out"
  out=$(ip -n "$ns" -6 neigh show proxy 2>/dev/null)
  [[ -z $out ]] || fail "leftover: proxy neighbour entries: $out"
  [[ -z $CLAT_SYSCTL0 ]] || assert_eq "laptop sysctls (forwarding, accept_ra, proxy_ndp, ip_forward)" \
    "$CLAT_SYSCTL0" "$(clat_sysctls)"
  printf 'ok: nothing of the CLAT left on the laptop\n'
}

# ---------------------------------------------------------------------------------------------
# Changes to the network while the CLAT runs.

# clat_native4_up / clat_native4_down: the laptop's link gains (loses) native IPv4 with a default
# route via the carrier, which routes it to the server.
clat_native4_up() {
  ip -n "$(lab_ns carrier)" addr add "$CLAT_NATIVE4_GW/24" dev eth-laptop 2>/dev/null || true
  ip -n "$(lab_ns laptop)" addr add "$CLAT_NATIVE4/24" dev eth-carrier
  ip -n "$(lab_ns laptop)" route add default via "$CLAT_NATIVE4_GW" dev eth-carrier metric 100
  lab_log "laptop: native IPv4 $CLAT_NATIVE4/24, default via $CLAT_NATIVE4_GW"
}

clat_native4_down() {
  ip -n "$(lab_ns laptop)" route del default via "$CLAT_NATIVE4_GW" dev eth-carrier 2>/dev/null || true
  ip -n "$(lab_ns laptop)" addr del "$CLAT_NATIVE4/24" dev eth-carrier 2>/dev/null || true
  lab_log "laptop: native IPv4 gone"
}

# clat_renumber [NEW64]: the carrier withdraws the current /64 (lifetimes 0) and advertises NEW64
# (default CLAT_NET6_B), keeping the other RA options; waits for the laptop's new address.
clat_renumber() {
  local new=${1:-$CLAT_NET6_B} old p
  local withdrawn=()
  for p in "${CLAT_RA_PREFIXES[@]}"; do
    old=${p%%,*}
    [[ $old == "$new" ]] || withdrawn+=("$old,0,0")
  done
  CLAT_RA_PREFIXES=("${withdrawn[@]}" "$new")
  clat_ra_start ${CLAT_RA_EXTRA[@]+"${CLAT_RA_EXTRA[@]}"}
  clat_wait_slaac "$new"
}

# ---------------------------------------------------------------------------------------------
# Traffic helpers (run in the laptop).

# clat_http_both ADDR: over ONE TCP connection, GET /big.bin (sha256 compared with the file) and
# POST a random body (the server answers its sha256). Prints "get=ok post=ok same_conn=yes".
clat_http_both() {
  lab_run laptop "$LAB_PY" -c '
import hashlib, http.client, os, sys
addr, port, want = sys.argv[1], int(sys.argv[2]), sys.argv[3]
c = http.client.HTTPConnection(addr, port, timeout=20)
c.request("GET", "/big.bin")
r = c.getresponse(); body = r.read()
sock1 = c.sock.getsockname()
get_ok = r.status == 200 and hashlib.sha256(body).hexdigest() == want
up = os.urandom(3 * 1048576 + 17)
c.request("POST", "/", body=up, headers={"Content-Length": str(len(up))})
r = c.getresponse(); answer = r.read().decode().split()
sock2 = c.sock.getsockname()
post_ok = answer == [hashlib.sha256(up).hexdigest(), str(len(up))]
same = sock1 == sock2
word = {True: "ok", False: "BAD"}
print(f"get={word[get_ok]} ({len(body)} bytes) post={word[post_ok]} ({len(up)} bytes) "
      f"same_conn={word[same]} local={sock1[0]}")
sys.exit(0 if get_ok and post_ok and same else 1)' "$1" "$CLAT_HTTP_PORT" "$(sha256sum <"$LAB_DIR/www/big.bin" | cut -d' ' -f1)"
}

# clat_udp_zero_csum ADDR PORT: a UDP datagram with checksum 0 (raw socket) from the laptop to the
# echo at ADDR:PORT; the echo must come back. Prints "echo ok" or "timeout".
clat_udp_zero_csum() {
  lab_run laptop "$LAB_PY" -c '
import socket, struct, sys
addr, port = sys.argv[1], int(sys.argv[2])
rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rx.bind(("0.0.0.0", 0)); rx.settimeout(2)
sport = rx.getsockname()[1]
payload = b"zero checksum " * 4
raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
# A raw IPPROTO_UDP socket sends our UDP header as is: checksum 0 ("none", RFC 768).
raw.sendto(struct.pack("!HHHH", sport, port, 8 + len(payload), 0) + payload, (addr, 0))
for _ in range(3):
    try:
        data = rx.recv(2048)
        print("echo ok" if data == payload else "echo differs"); sys.exit(0 if data == payload else 1)
    except socket.timeout:
        raw.sendto(struct.pack("!HHHH", sport, port, 8 + len(payload), 0) + payload, (addr, 0))
print("timeout"); sys.exit(1)' "$1" "$2"
}
