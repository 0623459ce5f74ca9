# shellcheck shell=bash
# Lab helpers for `sixfour socks`, sourced after tests/lab/lab.sh.
#
# The proxy runs on gw, the dual-stack host (2001:db8:6::1 towards the IPv6-only client c6,
# 198.51.100.1 towards the IPv4-only server s4, 203.0.113.1 / 2001:db8:d5::1 towards ds).
# Names resolve from gw's own hosts file (/etc/netns/NS/hosts, which `ip netns exec` mounts over
# /etc/hosts):
#   web4.test  198.51.100.2 (s4)
#   he.test    2001:db8:bad::1 (black hole: routed to ds, which does not forward) and 203.0.113.2
#   v4only.test 198.51.100.2, A only

SOCKS_PORT=1080
SOCKS_ADDR=$LAB_GW6
SOCKS_CTL=
SOCKS_PID=
SOCKS_NODE=gw
SOCKS_LOG=
SOCKS_PY=$LAB_HOME/socks_client.py

# socks_hosts NODE [EXTRA_LINE...]: writes the node's hosts file (removed again by socks_cleanup).
SOCKS_HOSTS_FILES=()
socks_hosts() {
  local node=$1 dir line
  dir=/etc/netns/$(lab_ns "$node")
  mkdir -p "$dir"
  cat >"$dir/hosts" <<HOSTS
127.0.0.1 localhost
::1 localhost
198.51.100.2 web4.test v4only.test
2001:db8:bad::1 he.test
203.0.113.2 he.test
HOSTS
  shift
  for line in "$@"; do printf '%s\n' "$line" >>"$dir/hosts"; done
  SOCKS_HOSTS_FILES+=("$dir")
}

socks_cleanup() {
  local rc=$? d
  for d in "${SOCKS_HOSTS_FILES[@]}"; do rm -rf "$d"; done
  lab_down
  return "$rc"
}

# socks_start NODE ARGS...: runs `sixfour socks ARGS...` in NODE and waits for its listening socket.
socks_start() {
  local node=$1
  shift
  SOCKS_NODE=$node
  SOCKS_CTL=$LAB_DIR/socks.sock
  SOCKS_LOG=$LAB_DIR/socks.log
  LAB_DAEMON_LOG=$SOCKS_LOG
  printf '+ [%s] %s socks %s &\n' "$node" "$SIXFOUR" "$*"
  # $SOCKS_WRAP: a command that execs the rest (prlimit ...), so $! stays the proxy's pid.
  # shellcheck disable=SC2086
  ip netns exec "$(lab_ns "$node")" ${SOCKS_WRAP:-} "$SIXFOUR" socks --control "$SOCKS_CTL" "$@" >"$SOCKS_LOG" 2>&1 &
  SOCKS_PID=$!
  LAB_DAEMON_PID=$SOCKS_PID
  local i
  for ((i = 0; i < LAB_WAIT * 10; i++)); do
    kill -0 "$SOCKS_PID" 2>/dev/null || fail "sixfour socks exited at start"
    [[ -S $SOCKS_CTL ]] && return 0
    sleep 0.1
  done
  fail "sixfour socks: no control socket after ${LAB_WAIT}s"
}

# socks_stop: SIGTERM; the proxy must exit 0.
socks_stop() { lab_daemon_stop; SOCKS_PID=; }

# socks_stat NAME: one counter of the proxy ("replies.connection_refused").
socks_stat() {
  local json
  json=$(lab_exec "$SOCKS_NODE" "$SIXFOUR" socks stats --json --control "$SOCKS_CTL" 2>&1) || fail "socks stats: $json"
  "$LAB_PY" "$LAB_HOME/flatjson.py" <<<"$json" | awk -v k="$1" '$1 == k { print $2 }'
}
