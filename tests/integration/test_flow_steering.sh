#!/usr/bin/env bash
# One flow, one worker (src/bpf/tun_steer.bpf.c, docs/offload.md): with two workers, the echo
# requests of a ping and the replies to their translations are read by the same worker, through
# `sixfour nat64` and through `sixfour siit` (without the steering program the kernel put them on
# alternating TUN queues); several TCP connections still use both workers. The eBPF fast path is
# off: what it translates never reaches a worker. With it (the NAT64's default), each worker is
# pinned to a CPU and reads what that CPU routed into the TUN. Skipped (exit 0) where
# the daemon logs that the program could not be set (a build without eBPF, no CAP_BPF).
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
printf 'hello\n' >"$www/hello.txt"
lab_bg s4 httpd4 "$LAB_PY" "$LAB_HOME/httpd.py" "$LAB_S4" 80 "$www"
lab_wait_port s4 tcp "$LAB_S4" 80

# per_worker STATS: "in4 out4" of worker 0 and of worker 1, one line each.
per_worker() {
  local w
  for w in 0 1; do
    printf '%s %s\n' "$(awk -v k="per_worker.$w.in4" '$1 == k { print $2 }' <<<"$1")" \
      "$(awk -v k="per_worker.$w.out4" '$1 == k { print $2 }' <<<"$1")"
  done
}

# check WHAT STATS_BEFORE STATS_AFTER MODE: MODE "one" = all of the IPv4 packets read (in4) and
# written (out4) between the two are one worker's; "both" = each worker read some.
check() {
  local what=$1 mode=$4 a b
  mapfile -t a < <(per_worker "$2")
  mapfile -t b < <(per_worker "$3")
  local i0 o0 i1 o1 j0 p0 j1 p1
  read -r i0 o0 <<<"${a[0]}"
  read -r i1 o1 <<<"${a[1]}"
  read -r j0 p0 <<<"${b[0]}"
  read -r j1 p1 <<<"${b[1]}"
  local d0=$((j0 - i0)) e0=$((p0 - o0)) d1=$((j1 - i1)) e1=$((p1 - o1))
  printf '%s: worker 0 in4 +%d out4 +%d, worker 1 in4 +%d out4 +%d\n' "$what" "$d0" "$e0" "$d1" "$e1"
  if [[ $mode == one ]]; then
    if ((d0 + e0 == 0 && d1 >= 20 && e1 >= 20)) || ((d1 + e1 == 0 && d0 >= 20 && e0 >= 20)); then
      printf 'ok: %s: one worker\n' "$what"
    else
      fail "$what: the echo traffic is spread over both workers"
    fi
  elif ((d0 > 0 && d1 > 0)); then
    printf 'ok: %s: both workers\n' "$what"
  else
    fail "$what: all TCP connections on one worker"
  fi
}

# ping_and_curls STATS_FN: a 20-echo ping, then 16 TCP connections, each checked with check().
ping_and_curls() {
  local stats=$1 s0 s1 s2
  s0=$($stats)
  lab_ok "ping of 20 echoes" c6 ping -n -c 20 -i 0.05 -W 2 "$LAB_S4_AS6"
  assert_eq "echo replies" 20 "$(ping_received "$LAB_OUT")"
  s1=$($stats)
  check "ping" "$s0" "$s1" one
  lab_ok "16 TCP connections" c6 bash -c "for i in \$(seq 16); do curl -g -sS --max-time 5 \
    http://[$LAB_S4_AS6]/hello.txt >/dev/null || exit 1; done"
  s2=$($stats)
  check "16 curls" "$s1" "$s2" both
}

# A daemon that says it could not set the program (older ones say nothing: the test then fails).
steered() {
  if grep -q "flow steering off" "$LAB_DAEMON_LOG"; then
    cat "$LAB_DAEMON_LOG"
    echo "SKIP: the steering program is not in place here"
    exit 0
  fi
  assert_match "start line" 'workers, flow steering eBPF, offloads' "$(cat "$LAB_DAEMON_LOG")"
}

step "nat64 --workers 2"
nat64_start --workers 2 --fast-path off
steered
ping_and_curls nat64_stats
lab_daemon_stop

# With the fast path a flow's first packets are what reaches the TUN (a TCP connection's SYN), and
# the NAT64 reads each on the worker pinned to the CPU that routed it: curl pinned to a CPU sends
# its SYN from there (veth hands it on in the sender's own softirq), so only that CPU's worker reads.
step "nat64 with the fast path: CPU-local steering"
ncpu=$(nproc)
if ((ncpu < 2)); then
  echo "SKIP (one CPU): CPU-local steering needs two workers"
else
  nat64_start
  if grep -q "fast path off\|flow steering off" "$LAB_DAEMON_LOG"; then
    echo "SKIP: no fast path or no steering program here"
  else
    assert_match "start line" "$ncpu workers, CPU-local steering eBPF, workers on CPUs 0-$((ncpu - 1))" \
      "$(cat "$LAB_DAEMON_LOG")"
    # Each worker thread runs on its own CPU (the other threads anywhere).
    pinned=$(for t in /proc/"$LAB_DAEMON_PID"/task/*; do awk '$1 == "Cpus_allowed_list:" { print $2 }' "$t/status"; done |
      grep -cx '[0-9]*')
    assert_eq "threads pinned to one CPU" "$ncpu" "$pinned"
    for cpu in 0 $((ncpu - 1)); do
      # The web server runs on that CPU too: a FIN (slow path) it sent from another CPU would be
      # translated by that CPU's worker, and the client's last ACK, sent from the softirq that
      # delivered the FIN, would be routed into the TUN there.
      taskset -a -p -c "$cpu" "$LAB_PID_httpd4" >/dev/null
      s0=$(nat64_stats)
      lab_ok "5 TCP connections from CPU $cpu" c6 taskset -c "$cpu" bash -c "for i in 1 2 3 4 5; do \
        curl -g -sS --max-time 5 http://[$LAB_S4_AS6]/hello.txt >/dev/null || exit 1; done"
      s1=$(nat64_stats)
      # Counted as translated to IPv4 (out4), not as read (in6): the TUN's own router
      # solicitations and MLD reports, retransmitted seconds after it came up from whichever CPU
      # their timer fires on, are read too, but dropped.
      for ((w = 0; w < ncpu; w++)); do
        k="per_worker.$w.out4"
        after=$(nat64_stat "$k" "$s1")
        before=$(nat64_stat "$k" "$s0")
        d=$((after - before))
        if ((w == cpu)); then
          ((d >= 5)) || fail "CPU $cpu: its worker translated $d IPv6 packets, not the 5 SYNs"
        else
          assert_eq "CPU $cpu: IPv6 packets translated by worker $w" 0 "$d"
        fi
      done
      echo "ok: the SYNs sent from CPU $cpu were read by worker $cpu alone"
    done
  fi
  lab_daemon_stop
fi

step "siit --workers 2"
lab_siit_start --workers 2 --fast-path off
steered
ping_and_curls lab_stats
lab_daemon_stop

echo PASS
