# shellcheck shell=bash disable=SC2034
# Helpers for the least-privilege tests (docs/hardening.md, "Least privilege"), sourced after
# tests/lab/lab.sh: the capability masks of /proc/PID/status and a check of every thread.

NET_ADMIN=0000000000001000          # bit 12
NET_ADMIN_RAW=0000000000003000      # bits 12 and 13
NONE=0000000000000000

# assert_privs NAME PID CAPS UID GID: every thread of PID.
assert_privs() {
  local name=$1 pid=$2 caps=$3 uid=$4 gid=$5 t n=0 st
  for t in /proc/"$pid"/task/*; do
    st=$(cat "$t/status")
    assert_eq "$name thread ${t##*/} CapEff" "$caps" "$(awk '/^CapEff:/{print $2}' <<<"$st")"
    assert_eq "$name thread ${t##*/} CapPrm" "$caps" "$(awk '/^CapPrm:/{print $2}' <<<"$st")"
    assert_eq "$name thread ${t##*/} CapBnd" "$NONE" "$(awk '/^CapBnd:/{print $2}' <<<"$st")"
    assert_eq "$name thread ${t##*/} CapInh" "$NONE" "$(awk '/^CapInh:/{print $2}' <<<"$st")"
    assert_eq "$name thread ${t##*/} CapAmb" "$NONE" "$(awk '/^CapAmb:/{print $2}' <<<"$st")"
    assert_eq "$name thread ${t##*/} NoNewPrivs" 1 "$(awk '/^NoNewPrivs:/{print $2}' <<<"$st")"
    assert_eq "$name thread ${t##*/} Uid" "$uid $uid $uid $uid" "$(awk '/^Uid:/{print $2, $3, $4, $5}' <<<"$st")"
    assert_eq "$name thread ${t##*/} Gid" "$gid $gid $gid $gid" "$(awk '/^Gid:/{print $2, $3, $4, $5}' <<<"$st")"
    assert_eq "$name thread ${t##*/} Groups" "" "$(awk '/^Groups:/{print $2}' <<<"$st")"
    n=$((n + 1))
  done
  printf 'ok: %s: %d threads with caps %s, uid %s\n' "$name" "$n" "$caps" "$uid"
}

# wait_start_line: the start line (with "privileges:") is logged after the drop (in $LAB_DAEMON_LOG).
wait_start_line() {
  local i
  for ((i = 0; i < LAB_WAIT * 10; i++)); do
    grep -q "privileges:" "$LAB_DAEMON_LOG" 2>/dev/null && return 0
    sleep 0.1
  done
  cat "$LAB_DAEMON_LOG" >&2
  fail "no start line with privileges in $LAB_DAEMON_LOG"
}

