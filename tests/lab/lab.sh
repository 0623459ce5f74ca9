# shellcheck shell=bash disable=SC2034
# The sixfour network lab: named network namespaces joined by veth pairs, plus helpers to run the
# daemon inside them and to assert on what comes out. Sourced by tests/integration/test_*.sh,
# scripts/lab and scripts/demo; needs root.
#
#   c6 (IPv6-only client)          gw (translator)                      s4 (IPv4-only server)
#   2001:db8:6::2/64  eth-gw ---- eth-c6 2001:db8:6::1/64
#                                  eth-s4 198.51.100.1/24 ---- eth-gw 198.51.100.2/24
#   ds (dual stack, optional)      eth-ds 203.0.113.1/24, 2001:db8:d5::1/64
#   203.0.113.2/24, 2001:db8:d5::2/64  eth-gw
#
# In node X the interface towards node Y is called eth-Y. Namespace names are
# "$LAB_PREFIX-<node>"; the prefix defaults to one per shell (sf<pid>), so parallel runs and
# leftovers from killed runs never collide. Only documentation addresses are used.

LAB_PREFIX=${LAB_PREFIX:-sf$$}
# An interrupted or timed-out run (ctest sends SIGTERM) still runs the caller's EXIT trap, which
# is lab_down: bash runs EXIT traps on `exit`, so turn the signals into exits.
trap 'exit 130' INT
trap 'exit 143' TERM
LAB_TUN=${LAB_TUN:-sf64}
LAB_WAIT=${LAB_WAIT:-10}
LAB_PY=${LAB_PY:-$(command -v /usr/bin/python3 || command -v python3)}
LAB_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Per-run scratch directory: daemon log, config files, served files, control socket.
LAB_DIR=${LAB_DIR:-}
LAB_NODES=()
LAB_DAEMON_PID=
LAB_DAEMON_LOG=
LAB_DAEMON_KIND=
LAB_CTL=

# The SIIT topology the tests use: pool6 with the server's IPv4 address embedded (RFC 6052), and
# an EAM (RFC 7757) that gives the client's /120 the IPv4 block 192.0.2.0/24.
LAB_POOL6=2001:db8:64::/96
LAB_EAM=2001:db8:6::/120=192.0.2.0/24
LAB_C6=2001:db8:6::2
LAB_C6_AS4=192.0.2.2            # c6 as s4 sees it (EAM)
LAB_S4=198.51.100.2
LAB_S4_AS6=2001:db8:64::c633:6402  # s4 as c6 sees it: 2001:db8:64::198.51.100.2
LAB_GW4=198.51.100.1
LAB_GW6=2001:db8:6::1

# ---------------------------------------------------------------------------------------------
# Reporting and assertions. Every failure says what was expected and what was seen, then exits 1
# (tests trap EXIT with lab_down, so the lab is torn down either way).

lab_log() { printf '[lab %s] %s\n' "$(date +%T)" "$*" >&2; }
step() { printf '\n=== %s\n' "$*"; }

fail() {
  printf 'FAIL: %s\n' "$*" >&2
  if [[ -n $LAB_DAEMON_LOG && -s $LAB_DAEMON_LOG ]]; then
    printf -- '--- daemon log (last 30 lines of %s)\n' "$LAB_DAEMON_LOG" >&2
    tail -n 30 "$LAB_DAEMON_LOG" >&2
    printf -- '---\n' >&2
  fi
  lab_fail_counters >&2
  exit 1
}

# lab_fail_counters: the running daemon's non-zero counters, and the last lines of what the lab's
# background programs printed, so that a failure seen only in CI's log says where packets went.
# Best effort: it must not fail itself (it runs inside fail).
lab_fail_counters() {
  local f
  if [[ -n ${LAB_DAEMON_PID:-} && -n ${LAB_DAEMON_KIND:-} ]] && kill -0 "$LAB_DAEMON_PID" 2>/dev/null; then
    printf -- '--- %s stats, the counters that are not 0\n' "$LAB_DAEMON_KIND"
    lab_nonzero_counters gw "$LAB_DAEMON_KIND" "$LAB_CTL"
  fi
  for f in "${LAB_DIR:-/nonexistent}"/*.log; do
    [[ -s $f && $f != "${LAB_DAEMON_LOG:-}" ]] || continue
    printf -- '--- %s (last 5 lines)\n' "${f##*/}"
    tail -n 5 "$f" || true
  done
  printf -- '---\n'
}

# lab_nonzero_counters NODE DAEMON SOCKET [LABEL]: the totals that are not 0 of the `sixfour
# DAEMON` in NODE whose control socket is SOCKET, one "name value" line each (LABEL in front, if
# given); nothing if it does not answer within 5 s. Never fails: it serves failure reports.
lab_nonzero_counters() {
  { lab_exec "$1" timeout 5 "$SIXFOUR" "$2" stats --json --control "$3" 2>/dev/null |
    "$LAB_PY" "$LAB_HOME/flatjson.py" 2>/dev/null |
    awk -v l="${4:-}" '$2 != "0" && $1 !~ /^per_worker/ { print (l == "" ? "" : l " ") $0 }'; } || true
}

assert_eq() {  # WHAT EXPECTED GOT
  [[ $2 == "$3" ]] || fail "$1: expected '$2', got '$3'"
  printf 'ok: %s = %s\n' "$1" "$3"
}

assert_ne() {  # WHAT UNEXPECTED GOT
  [[ $2 != "$3" ]] || fail "$1: expected anything but '$2', got it"
  printf 'ok: %s != %s\n' "$1" "$2"
}

assert_match() {  # WHAT ERE TEXT
  [[ $3 =~ $2 ]] || fail "$1: expected to match /$2/, got:
$3"
  printf 'ok: %s matches /%s/\n' "$1" "$2"
}

assert_no_match() {  # WHAT ERE TEXT
  [[ ! $3 =~ $2 ]] || fail "$1: expected not to match /$2/, got:
$3"
  printf 'ok: %s does not match /%s/\n' "$1" "$2"
}

assert_ge() {  # WHAT MIN GOT
  [[ $3 =~ ^-?[0-9]+$ ]] || fail "$1: expected a number >= $2, got '$3'"
  (($3 >= $2)) || fail "$1: expected >= $2, got $3"
  printf 'ok: %s = %s (>= %s)\n' "$1" "$3" "$2"
}

assert_gt() {  # WHAT BOUND GOT
  [[ $3 =~ ^-?[0-9]+$ ]] || fail "$1: expected a number > $2, got '$3'"
  (($3 > $2)) || fail "$1: expected > $2, got $3"
  printf 'ok: %s = %s (> %s)\n' "$1" "$3" "$2"
}

# lab_run NODE CMD...: runs CMD in NODE, echoes the command and its output, leaves the combined
# output in $LAB_OUT and returns CMD's exit code. Never fails by itself: callers assert.
LAB_OUT=
lab_run() {
  local node=$1 rc=0
  shift
  printf '+ [%s] %s\n' "$node" "$*"
  LAB_OUT=$(lab_exec "$node" "$@" 2>&1) || rc=$?
  [[ -n $LAB_OUT ]] && printf '%s\n' "$LAB_OUT"
  [[ $rc -eq 0 ]] || printf '(exit %d)\n' "$rc"
  return "$rc"
}

# lab_expect_rc WHAT RC NODE CMD...: runs CMD in NODE (as lab_run) and asserts its exit code.
lab_expect_rc() {
  local what=$1 want=$2 rc=0
  shift 2
  lab_run "$@" || rc=$?
  [[ $rc -eq $want ]] || fail "$what: expected exit code $want, got $rc"
  printf 'ok: %s (exit %d)\n' "$what" "$rc"
}

# lab_ok WHAT NODE CMD...: CMD must exit 0.
lab_ok() { local what=$1; shift; lab_expect_rc "$what" 0 "$@"; }

# Extracts the packets received from iputils ping output ("3 packets transmitted, 3 received").
ping_received() { sed -nE 's/.* ([0-9]+) (packets )?received.*/\1/p' <<<"$1" | tail -n 1; }

# ---------------------------------------------------------------------------------------------
# Namespaces.

lab_ns() { printf '%s-%s' "$LAB_PREFIX" "$1"; }

lab_exec() {
  local node=$1
  shift
  ip netns exec "$(lab_ns "$node")" "$@"
}

lab_sysctl() {  # NODE KEY=VALUE...
  local node=$1
  shift
  lab_exec "$node" sysctl -q -w "$@" >/dev/null
}

lab_add_node() {
  local node=$1 ns
  ns=$(lab_ns "$node")
  ip netns add "$ns"
  LAB_NODES+=("$node")
  # lab_down removes what lab_existing_nodes lists: a node of a test's own is listed from now on.
  [[ " c6 gw s4 ds ${LAB_MORE_NODES[*]:-} " == *" $node "* ]] || LAB_MORE_NODES+=("$node")
  ip -n "$ns" link set lo up
  # Addresses are usable at once (no duplicate address detection in a lab of point-to-point
  # links), no router advertisements are processed, and ICMP errors are never rate limited:
  # traceroute and PMTUD tests depend on every error being sent.
  lab_sysctl "$node" net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
    net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 \
    net.ipv6.conf.all.autoconf=0 net.ipv6.conf.default.autoconf=0 \
    net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0
}

# lab_link A B: a veth pair, eth-B in A and eth-A in B, created straight inside the namespaces
# so no name ever exists in the host namespace.
lab_link() {
  local a=$1 b=$2
  ip -n "$(lab_ns "$a")" link add "eth-$b" type veth peer name "eth-$a" netns "$(lab_ns "$b")"
}

lab_up_if() {  # NODE IFACE
  ip -n "$(lab_ns "$1")" link set "$2" up
}

lab_v4_only_if() {  # NODE IFACE: no IPv6 at all on this interface
  lab_sysctl "$1" "net.ipv6.conf.$2.disable_ipv6=1"
}

lab_v6_if() {  # NODE IFACE
  lab_sysctl "$1" "net.ipv6.conf.$2.accept_dad=0" "net.ipv6.conf.$2.accept_ra=0"
}

# lab_link_mtu A B MTU: sets the MTU of both ends of the A<->B link (a veth drops frames larger
# than the receiving end's MTU, so both ends must agree).
lab_link_mtu() {
  local a=$1 b=$2 mtu=$3
  ip -n "$(lab_ns "$a")" link set "eth-$b" mtu "$mtu"
  ip -n "$(lab_ns "$b")" link set "eth-$a" mtu "$mtu"
  lab_log "MTU of link $a<->$b set to $mtu"
}

# lab_up [ds]: builds c6, gw and s4 (and ds when asked). Safe to call again after lab_down.
lab_up() {
  local want_ds=0
  [[ ${1:-} == ds || ${1:-} == --ds ]] && want_ds=1
  [[ $(id -u) -eq 0 ]] || { echo "lab: must run as root" >&2; return 1; }
  if [[ -z $LAB_DIR ]]; then
    LAB_DIR=$(mktemp -d "/tmp/sixfour-lab-$LAB_PREFIX.XXXXXX")
  fi
  mkdir -p "$LAB_DIR"
  LAB_CTL=$LAB_DIR/siit.sock
  lab_log "building lab '$LAB_PREFIX' (scratch dir $LAB_DIR)"

  local n
  for n in c6 gw s4; do lab_add_node "$n"; done
  ((want_ds)) && lab_add_node ds

  lab_link c6 gw
  lab_link gw s4
  ((want_ds)) && lab_link gw ds

  # gw: a router in both families. rp_filter off: ICMP errors the translator emits come from
  # 192.0.0.8 (RFC 7600) through the TUN, which strict reverse-path filtering would drop.
  lab_sysctl gw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
    net.ipv6.conf.default.forwarding=1 \
    net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0

  # c6: IPv6 only. Even loopback's 127.0.0.1 goes, so `ip -4 addr` prints nothing.
  lab_v6_if c6 eth-gw
  ip -n "$(lab_ns c6)" addr add 2001:db8:6::2/64 dev eth-gw nodad
  lab_up_if c6 eth-gw
  ip -n "$(lab_ns c6)" -6 route add default via "$LAB_GW6" dev eth-gw
  ip -n "$(lab_ns c6)" addr del 127.0.0.1/8 dev lo 2>/dev/null || true

  lab_v6_if gw eth-c6
  ip -n "$(lab_ns gw)" addr add 2001:db8:6::1/64 dev eth-c6 nodad
  lab_up_if gw eth-c6
  lab_v4_only_if gw eth-s4
  ip -n "$(lab_ns gw)" addr add 198.51.100.1/24 dev eth-s4
  lab_up_if gw eth-s4

  # s4: IPv4 only, IPv6 switched off in the whole namespace.
  lab_sysctl s4 net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
    net.ipv6.conf.lo.disable_ipv6=1
  lab_v4_only_if s4 eth-gw
  ip -n "$(lab_ns s4)" addr add 198.51.100.2/24 dev eth-gw
  lab_up_if s4 eth-gw
  ip -n "$(lab_ns s4)" route add default via "$LAB_GW4" dev eth-gw

  if ((want_ds)); then
    lab_v6_if gw eth-ds
    ip -n "$(lab_ns gw)" addr add 203.0.113.1/24 dev eth-ds
    ip -n "$(lab_ns gw)" addr add 2001:db8:d5::1/64 dev eth-ds nodad
    lab_up_if gw eth-ds
    lab_v6_if ds eth-gw
    ip -n "$(lab_ns ds)" addr add 203.0.113.2/24 dev eth-gw
    ip -n "$(lab_ns ds)" addr add 2001:db8:d5::2/64 dev eth-gw nodad
    lab_up_if ds eth-gw
    ip -n "$(lab_ns ds)" route add default via 203.0.113.1 dev eth-gw
    ip -n "$(lab_ns ds)" -6 route add default via 2001:db8:d5::1 dev eth-gw
  fi
  lab_settle "$want_ds"
  lab_log "lab '$LAB_PREFIX' up: ${LAB_NODES[*]}"
}

# The very first neighbor solicitation on a fresh veth can be lost (the far end is still coming
# up), which costs the first packet a 1 s retransmit: enough to make a traceroute with -w 1 see
# only stars. One ping per link fills the neighbor caches on both ends before any test runs.
lab_settle() {
  local want_ds=${1:-0} i
  for ((i = 0; i < 50; i++)); do
    lab_exec c6 ping -n -c 1 -W 1 "$LAB_GW6" >/dev/null 2>&1 &&
      lab_exec s4 ping -n -c 1 -W 1 "$LAB_GW4" >/dev/null 2>&1 && break
  done
  ((i < 50)) || { echo "lab: links never came up" >&2; return 1; }
  if ((want_ds)); then
    lab_exec ds ping -n -c 1 -W 2 203.0.113.1 >/dev/null 2>&1 || true
    lab_exec ds ping -n -c 1 -W 2 2001:db8:d5::1 >/dev/null 2>&1 || true
  fi
  return 0
}

# The namespaces of this prefix that exist, whether this shell created them or an earlier one.
# Helpers that add nodes of their own (tests/lab/clat.sh) list them in LAB_MORE_NODES.
LAB_MORE_NODES=(${LAB_MORE_NODES[@]+"${LAB_MORE_NODES[@]}"})
lab_existing_nodes() {
  local n
  for n in c6 gw s4 ds ${LAB_MORE_NODES[@]+"${LAB_MORE_NODES[@]}"}; do
    [[ -e /run/netns/$(lab_ns "$n") ]] && printf '%s\n' "$n"
  done
}

# lab_down: stops every process running in the lab's namespaces, then deletes them. Idempotent;
# meant for `trap lab_down EXIT`, so it never exits and keeps the caller's exit status.
lab_down() {
  local rc=$? n ns pids pid i
  local nodes
  mapfile -t nodes < <(lab_existing_nodes)
  for n in "${nodes[@]}"; do
    ns=$(lab_ns "$n")
    pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
    [[ -n ${pids// /} ]] || continue
    # shellcheck disable=SC2086
    kill -TERM $pids 2>/dev/null || true
    for ((i = 0; i < 30; i++)); do
      [[ -z $(ip netns pids "$ns" 2>/dev/null) ]] && break
      sleep 0.1
    done
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
  done
  for n in "${nodes[@]}"; do ip netns del "$(lab_ns "$n")" 2>/dev/null || true; done
  if [[ -n $LAB_DAEMON_PID ]]; then wait "$LAB_DAEMON_PID" 2>/dev/null || true; LAB_DAEMON_PID=; fi
  LAB_NODES=()
  if [[ -n $LAB_DIR && -d $LAB_DIR && ${LAB_KEEP:-0} != 1 && $LAB_DIR == /tmp/sixfour-lab-* ]]; then
    rm -rf "$LAB_DIR"
  fi
  ((${#nodes[@]})) && lab_log "lab '$LAB_PREFIX' down"
  return "$rc"
}

lab_status() {
  local n
  for n in $(lab_existing_nodes); do
    printf '== %s (netns %s)\n' "$n" "$(lab_ns "$n")"
    ip -n "$(lab_ns "$n")" -br addr
    ip -n "$(lab_ns "$n")" -4 route 2>/dev/null | sed 's/^/  v4 route: /'
    ip -n "$(lab_ns "$n")" -6 route 2>/dev/null | grep -v '^fe80' | sed 's/^/  v6 route: /' || true
    local p
    for p in $(ip netns pids "$(lab_ns "$n")"); do
      printf '  pid %s: %s\n' "$p" "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"
    done
  done
  return 0
}

# ---------------------------------------------------------------------------------------------
# Background servers in a node. Their processes die with lab_down.

# lab_bg NODE NAME CMD...: starts CMD in NODE in the background, output in $LAB_DIR/NAME.log.
lab_bg() {
  local node=$1 name=$2
  shift 2
  # Not through lab_exec: a backgrounded function is a subshell, and $! must be the process itself.
  ip netns exec "$(lab_ns "$node")" "$@" >"$LAB_DIR/$name.log" 2>&1 &
  eval "LAB_PID_${name//[^A-Za-z0-9_]/_}=$!"
}

# lab_wait_port NODE PROTO(tcp|udp) ADDR PORT: waits until something listens there.
lab_wait_port() {
  local node=$1 proto=$2 addr=$3 port=$4 i flag=-ltnH
  [[ $proto == udp ]] && flag=-lunH
  for ((i = 0; i < LAB_WAIT * 10; i++)); do
    lab_exec "$node" ss "$flag" "sport = :$port" 2>/dev/null | grep -qF "$addr" && return 0
    sleep 0.1
  done
  fail "nothing listening on $proto $addr port $port in $node after ${LAB_WAIT}s"
}

# ---------------------------------------------------------------------------------------------
# The daemon. $SIXFOUR is the sixfour executable (tests take it as $1).

# lab_daemon_start ARGS...: runs `$SIXFOUR ARGS...` in gw in the background and waits until the
# TUN device $LAB_TUN is up, the route to pool6 goes through it and the start line is written.
lab_daemon_start() {
  [[ -x ${SIXFOUR:-} ]] || fail "SIXFOUR='${SIXFOUR:-}' is not an executable"
  LAB_DAEMON_LOG=$LAB_DIR/siit.log
  LAB_DAEMON_KIND=$1
  printf '+ [gw] %s %s &\n' "$SIXFOUR" "$*"
  # `ip netns exec` execs the command, so $! is the daemon's own pid (SIGTERM must reach it, not a
  # subshell). LAB_SETSID=1 starts it in a session of its own, as a daemon that detaches (TAYGA)
  # or a service manager would; `setsid` execs too (the job is not a process group leader in a
  # script, so it does not fork).
  ip netns exec "$(lab_ns gw)" ${LAB_SETSID:+setsid} "$SIXFOUR" "$@" >"$LAB_DAEMON_LOG" 2>&1 &
  LAB_DAEMON_PID=$!
  lab_wait_tun "${LAB_WAIT_POOL6-$LAB_POOL6}"
}

# lab_siit_start [EXTRA...]: the daemon with the lab topology's flags.
lab_siit_start() {
  lab_daemon_start siit --tun "$LAB_TUN" --pool6 "$LAB_POOL6" --eam "$LAB_EAM" \
    --control "$LAB_CTL" "$@"
}

lab_tun_is_up() {
  local flags
  flags=$(ip -n "$(lab_ns gw)" -o link show dev "$LAB_TUN" 2>/dev/null) || return 1
  [[ $flags =~ [\<,]UP[,\>] ]]
}

# lab_wait_start_line: until the daemon's start line (it ends with "; privileges: ...") is in
# $LAB_DAEMON_LOG, for $LAB_WAIT seconds at most. It is written last, after the routes, the fast
# path's programs (the verifier takes a tenth of a second) and the privilege drop: the tests that
# read it, and the traffic that needs the fast path, wait for it.
lab_wait_start_line() {
  local i
  [[ -n ${LAB_DAEMON_LOG:-} ]] || return 0
  for ((i = 0; i < LAB_WAIT * 20; i++)); do
    grep -q '; privileges: ' "$LAB_DAEMON_LOG" 2>/dev/null && return 0
    kill -0 "$LAB_DAEMON_PID" 2>/dev/null || return 0
    sleep 0.05
  done
}

lab_wait_tun() {  # [ROUTE6]: also wait for this IPv6 route through the TUN
  local route6=${1:-} i
  for ((i = 0; i < LAB_WAIT * 10; i++)); do
    if ! kill -0 "$LAB_DAEMON_PID" 2>/dev/null; then
      local rc=0
      wait "$LAB_DAEMON_PID" || rc=$?
      LAB_DAEMON_PID=
      fail "daemon exited (code $rc) before $LAB_TUN came up"
    fi
    if lab_tun_is_up; then
      if [[ -z $route6 ]] ||
        ip -n "$(lab_ns gw)" -6 route show "$route6" 2>/dev/null | grep -q "dev $LAB_TUN"; then
        lab_wait_start_line
        lab_log "daemon pid $LAB_DAEMON_PID: $LAB_TUN is up${route6:+, $route6 routed to it}"
        return 0
      fi
    fi
    sleep 0.1
  done
  ip -n "$(lab_ns gw)" link show >&2 || true
  ip -n "$(lab_ns gw)" -6 route >&2 || true
  fail "$LAB_TUN not up${route6:+ with a route to $route6} after ${LAB_WAIT}s"
}

# lab_daemon_stop: SIGTERM, then the daemon must exit 0 within $LAB_WAIT seconds.
lab_daemon_stop() {
  [[ -n $LAB_DAEMON_PID ]] || fail "no daemon running"
  local pid=$LAB_DAEMON_PID rc=0 i
  kill -TERM "$pid" 2>/dev/null || fail "daemon pid $pid already gone before SIGTERM"
  for ((i = 0; i < LAB_WAIT * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    LAB_DAEMON_PID=
    fail "daemon pid $pid still running ${LAB_WAIT}s after SIGTERM (killed)"
  fi
  wait "$pid" || rc=$?
  LAB_DAEMON_PID=
  [[ $rc -eq 0 ]] || fail "daemon exited with code $rc after SIGTERM, expected 0"
  printf 'ok: daemon stopped by SIGTERM, exit 0\n'
}

# lab_stats: the daemon's counters as flat "name value" lines (nested JSON keys joined with '.').
lab_stats() {
  local json
  json=$(lab_exec gw "$SIXFOUR" siit stats --json --control "$LAB_CTL" 2>&1) ||
    fail "sixfour siit stats --json failed: $json"
  "$LAB_PY" "$LAB_HOME/flatjson.py" <<<"$json" || fail "stats output is not JSON: $json"
}

# lab_stat NAME [STATS]: one counter, by its flattened name (exact match, else the unique name
# ending in ".NAME"). Prints the number, or fails naming the counters that exist.
lab_stat() {
  local name=$1 stats=${2:-} v
  [[ -n $stats ]] || stats=$(lab_stats)
  v=$(awk -v k="$name" '$1 == k { print $2; exit }' <<<"$stats")
  if [[ -z $v ]]; then
    v=$(awk -v k="$name" 'substr($1, length($1) - length(k)) == "." k { print $2 }' <<<"$stats")
    [[ $(wc -l <<<"$v") -eq 1 && -n $v ]] || fail "no unique counter '$name' in stats:
$stats"
  fi
  printf '%s\n' "$v"
}

# ---------------------------------------------------------------------------------------------
# Kernel counters of a node: /proc/net/snmp ("Ip: ReasmOKs ..." header/value line pairs, asked
# for as IpReasmOKs) and /proc/net/snmp6 ("Ip6ReasmOKs 3").
lab_snmp() {  # NODE NAME
  lab_exec "$1" cat /proc/net/snmp /proc/net/snmp6 2>/dev/null | awk -v want="$2" '
    NF == 2 && $1 == want { print $2; found = 1; exit }
    $1 ~ /:$/ {
      proto = substr($1, 1, length($1) - 1)
      if (!(proto in hdr)) { hdr[proto] = $0; next }
      n = split(hdr[proto], names); split($0, vals)
      for (i = 2; i <= n; i++) if (proto names[i] == want) { print vals[i]; found = 1; exit }
    }
    END { if (!found) print "missing" }'
}

# Answered hops of traceroute output: "HOP ADDRESS" per line that has an address.
traceroute_hops() {
  awk '$1 ~ /^[0-9]+$/ && $2 != "*" { print $1, $2 }' <<<"$1"
}
