# shellcheck shell=bash
# What bench/siit.sh and bench/nat64.sh share: the figures measured through a translator (or the
# kernel), the translator's CPU time per gigabit, and the printed table with its ratios. Sourced
# after tests/lab/lab.sh with the lab up; results go into the associative array R[NAME.FIGURE].

declare -A R
# The nodes measure() runs the client in and counts the server's datagrams in (bench/clat.sh
# measures in its own hotspot lab).
BENCH_CLIENT=${BENCH_CLIENT:-c6}
BENCH_SERVER=${BENCH_SERVER:-s4}
CONN_SECONDS=${CONN_SECONDS:-3}
CLK_TCK=$(getconf CLK_TCK)

# bench_conn_server ADDR PORT: a TCP server in s4 that accepts and closes at once ($LAB_DIR/conn.py
# also holds the client that counts completed connections).
bench_conn_server() {
  cat >"$LAB_DIR/conn.py" <<'PY'
import socket, sys, time
def serve(addr, port):
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port)); s.listen(4096)
    while True:
        c, _ = s.accept()
        c.close()
def client(addr, port, seconds):
    n = 0; fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        c = socket.socket(fam); c.settimeout(2)
        try:
            c.connect((addr, port)); c.recv(1); n += 1
        except OSError:
            pass
        c.close()
    print(n)
if sys.argv[1] == "serve": serve(sys.argv[2], int(sys.argv[3]))
else: client(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
PY
  lab_bg s4 conn4 "$LAB_PY" "$LAB_DIR/conn.py" serve "$1" "$2"
  # The server closes first, so its side keeps each connection in TIME_WAIT for 60 s; a later row's
  # translator reusing an outside (address, port) would then meet it and wait for a retransmitted
  # SYN. No TIME_WAIT in s4: every row starts alike.
  lab_sysctl s4 net.ipv4.tcp_max_tw_buckets=0
}

# bench_kernel_ipv6: gives s4 IPv6 (2001:db8:4::2, gw 2001:db8:4::1) and an iperf3 server on it,
# port 5202, for the kernel-forwarding row.
bench_kernel_ipv6() {
  lab_sysctl s4 net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.eth-gw.disable_ipv6=0 net.ipv6.conf.lo.disable_ipv6=0
  lab_sysctl gw net.ipv6.conf.eth-s4.disable_ipv6=0
  ip -n "$(lab_ns s4)" addr add 2001:db8:4::2/64 dev eth-gw nodad
  ip -n "$(lab_ns gw)" addr add 2001:db8:4::1/64 dev eth-s4 nodad
  ip -n "$(lab_ns s4)" -6 route add default via 2001:db8:4::1
  lab_exec s4 iperf3 -s -B 2001:db8:4::2 -p 5202 -D
}

UDP_ROUNDS=${UDP_ROUNDS:-3}

# median X...: the middle value (the lower middle of an even count).
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# bench_udp_sink: bench/udp_flood.c built into $LAB_DIR, and a UDP socket on port 7777 in s4 (both
# families) that never reads: each datagram is counted on arrival (delivered, or dropped at the full
# buffer) at the cost of a socket lookup.
bench_udp_sink() {
  cc -O2 -o "$LAB_DIR/udp_flood" "$(dirname "${BASH_SOURCE[0]}")/udp_flood.c"
  lab_bg "$BENCH_SERVER" udpsink "$LAB_PY" -c 'import socket, time
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", 7777))
time.sleep(1e9)'
}

# Datagrams that reached s4's UDP layer over either family: delivered (InDatagrams) or dropped at a
# full socket buffer (RcvbufErrors), from /proc/net/snmp and snmp6 in s4's namespace.
s4_udp_datagrams() {
  lab_exec "$BENCH_SERVER" awk '$1 == "Udp:" && $2 ~ /^[0-9]/ { n += $2 + $6 }
    $1 == "Udp6InDatagrams" || $1 == "Udp6RcvbufErrors" { n += $2 }
    END { print n }' /proc/net/snmp /proc/net/snmp6
}
# Busy CPU ticks of the whole machine (user, nice, system, irq, softirq, steal over all CPUs): the
# eBPF fast path works in the kernel's softirq context, which no process's times include.
machine_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }
# CPU ticks (utime + stime, all threads) of PID.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

gbps() { "$LAB_PY" -c 'import json,sys; print(round(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9,3))'; }

# measure NAME TARGET PID full|short [IPERF_PORT] [CONN_PORT]: the figures through one setup.
# PID is the translator process (empty: none). short skips ping and connections/s.
measure() {
  local name=$1 target=$2 pid=$3 depth=$4 port=${5:-5201} cport=${6-9000} j t0 t1
  [[ -n $pid ]] && t0=$(cpu_ticks "$pid")
  j=$(lab_exec "$BENCH_CLIENT" iperf3 -c "$target" -p "$port" -t "$DURATION" -J) || true
  R[$name.tcp]=$(gbps <<<"$j" 2>/dev/null || echo 0)
  if [[ -n $pid ]]; then
    t1=$(cpu_ticks "$pid")
    # CPU seconds per gigabit: ticks / CLK_TCK / (Gbit/s * seconds).
    R[$name.cpu]=$("$LAB_PY" -c "
g = float('${R[$name.tcp]}') * $DURATION
print(round(($t1 - $t0) / $CLK_TCK / g, 3) if g else 'n/a')")
  else
    R[$name.cpu]=n/a
  fi
  j=$(lab_exec "$BENCH_CLIENT" iperf3 -c "$target" -p "$port" -t "$DURATION" -R -J) || true
  R[$name.tcp_rev]=$(gbps <<<"$j" 2>/dev/null || echo 0)
  j=$(lab_exec "$BENCH_CLIENT" iperf3 -c "$target" -p "$port" -t "$DURATION" -P 4 -J) || true
  R[$name.tcp4]=$(gbps <<<"$j" 2>/dev/null || echo 0)
  # The packet rate swings by 10-20 % from run to run on this 2-core machine (the sender, the
  # translator and the receiver share two CPUs): the median of UDP_ROUNDS runs, rounds listed.
  # Two counts per round: what the iperf3 receiver got, and what reached s4's UDP layer (s4's
  # UdpInDatagrams + UdpRcvbufErrors), i.e. what the translator (or the kernel) forwarded. They
  # differ by the datagrams the receiver's socket dropped when it did not get the CPU in time;
  # which of the three busy processes gets the CPU is the scheduler's choice, so both are printed.
  # (Counted at the receiver, not in eth-s4's tx_packets: sixfour sends a flow's datagrams as UDP
  # GSO super-packets, which a device counts as one packet each.)
  local r rounds=() fwd=() tx0 tx1 u0 u1 m0 m1 pkts=0
  [[ -n $pid ]] && u0=$(cpu_ticks "$pid")
  m0=$(machine_ticks)
  for ((r = 0; r < UDP_ROUNDS; r++)); do
    tx0=$(s4_udp_datagrams)
    j=$(lab_exec "$BENCH_CLIENT" iperf3 -c "$target" -p "$port" -t "$DURATION" -u -b 0 -l 64 -J) || true
    tx1=$(s4_udp_datagrams)
    pkts=$((pkts + tx1 - tx0))
    fwd+=("$("$LAB_PY" -c "print(round(($tx1 - $tx0) / $DURATION / 1000, 1))")")
    rounds+=("$("$LAB_PY" -c '
import json,sys
s=json.load(sys.stdin)["end"]["sum"]
print(round((s["packets"]-s["lost_packets"])/s["seconds"]/1000,1))' <<<"$j" 2>/dev/null || echo 0)")
  done
  R[$name.udp]=$(median "${rounds[@]}")
  R[$name.udp_rounds]="${rounds[*]}"
  R[$name.udp_fwd]=$(median "${fwd[@]}")
  m1=$(machine_ticks)
  # Whole-machine CPU microseconds per packet forwarded: sender, receiver and the path between
  # (kernel forwarding, TUN, translator, eBPF) together, the same sender and receiver in every row.
  R[$name.udp_mcpu]=$("$LAB_PY" -c "print(round(($m1 - $m0) / $CLK_TCK * 1e6 / $pkts, 2) if $pkts else 'n/a')")
  R[$name.udp_cpu]=n/a
  if [[ -n $pid ]]; then
    u1=$(cpu_ticks "$pid")
    # Translator CPU microseconds per packet forwarded (the UDP rounds only).
    R[$name.udp_cpu]=$("$LAB_PY" -c "print(round(($u1 - $u0) / $CLK_TCK * 1e6 / $pkts, 2) if $pkts else 'n/a')")
  fi
  # The same 64-byte datagrams from bench/udp_flood.c (sendmmsg, 64 a call) to a socket in s4 that
  # never reads (bench_udp_sink): what reached s4's UDP layer, so the path is measured rather than
  # iperf3's sender.
  fwd=()
  for ((r = 0; r < UDP_ROUNDS; r++)); do
    [[ -x $LAB_DIR/udp_flood ]] || break
    tx0=$(s4_udp_datagrams)
    lab_exec "$BENCH_CLIENT" "$LAB_DIR/udp_flood" "$target" 7777 "$DURATION" >/dev/null || true
    tx1=$(s4_udp_datagrams)
    fwd+=("$("$LAB_PY" -c "print(round(($tx1 - $tx0) / $DURATION / 1000, 1))")")
  done
  R[$name.flood]=-
  ((${#fwd[@]})) && R[$name.flood]=$(median "${fwd[@]}")
  R[$name.flood_rounds]="${fwd[*]}"
  R[$name.rtt]=- R[$name.rtt_flood]=- R[$name.conn]=-
  if [[ $depth == full ]]; then
    # The median of every echo's own RTT over UDP_ROUNDS runs of 50: the steady state a user sees.
    # (Each run is a new ping process, so a new ICMP identifier: through a NAT64 its first echo
    # creates the session in the daemon; ping's own average would fold that one in.)
    local times
    times=$(for ((r = 0; r < UDP_ROUNDS; r++)); do
      lab_exec "$BENCH_CLIENT" ping -n -c 50 -i 0.01 "$target" | sed -nE 's|.* time=([0-9.]+) ms.*|\1|p' || true
    done)
    R[$name.rtt]=$(median ${times:-0})
    # Back to back (ping -f: the next echo leaves when the reply is in): the path's own cost, with
    # no CPU waking from idle in it (10 ms apart, every echo finds the CPUs asleep, and the wake-up
    # is most of the figure on this VM). ping's average, in microseconds (its resolution).
    local avgs=()
    for ((r = 0; r < UDP_ROUNDS; r++)); do
      avgs+=("$(lab_exec "$BENCH_CLIENT" ping -q -n -f -c 5000 "$target" |
        sed -nE 's|^rtt [^=]*= [0-9.]+/([0-9.]+)/.*|\1|p' | awk '{ print $1 * 1000 }')")
    done
    R[$name.rtt_flood]=$(median "${avgs[@]:-0}")
    if [[ -n $cport ]]; then
      local i pids=() total=0 f
      for i in 1 2 3 4; do
        lab_exec "$BENCH_CLIENT" "$LAB_PY" "$LAB_DIR/conn.py" client "$target" "$cport" "$CONN_SECONDS" >"$LAB_DIR/conn-$i.out" &
        pids+=($!)
      done
      wait "${pids[@]}" || true
      for f in "$LAB_DIR"/conn-*.out; do total=$((total + $(cat "$f" 2>/dev/null || echo 0))); done
      rm -f "$LAB_DIR"/conn-*.out
      R[$name.conn]=$((total / CONN_SECONDS))
    fi
  fi
  printf '%-10s tcp %s Gbit/s, reverse %s, 4 flows %s, udp64 %s kpps received (rounds %s), %s forwarded, flood %s (rounds %s), rtt %s ms (back to back %s us), %s conn/s, cpu %s s/Gbit\n' \
    "$name" "${R[$name.tcp]}" "${R[$name.tcp_rev]}" "${R[$name.tcp4]}" "${R[$name.udp]}" "${R[$name.udp_rounds]}" "${R[$name.udp_fwd]}" "${R[$name.flood]}" "${R[$name.flood_rounds]:-}" "${R[$name.rtt]}" "${R[$name.rtt_flood]}" \
    "${R[$name.conn]}" "${R[$name.cpu]}" >&2
}

# bench_ping_interleaved KERNEL_TARGET TARGET START_FN: ping 10 ms apart, the kernel row's path
# and the translator's in turn, PING_ROUNDS (default 5) rounds of: 50 echoes to KERNEL_TARGET with
# nothing attached to gw (no daemon, no clsact qdisc), then START_FN (the daemon with its
# defaults), 50 echoes to TARGET, the daemon stopped. The medians of every echo go to
# R[kernel.rtt_il] and R[sixfour.rtt_il]: both sides measured at the same moments. On this VM the
# idle wake-up behind an echo that comes alone, most of the figure, changes by 2x from one minute
# to the next, so the rows' own `rtt`, measured minutes apart, can differ by that much for nothing.
bench_ping_interleaved() {
  local kt=$1 st=$2 start=$3 r d k=() x=()
  for ((r = 0; r < ${PING_ROUNDS:-5}; r++)); do
    for d in eth-c6 eth-s4; do tc -n "$(lab_ns gw)" qdisc del dev "$d" clsact 2>/dev/null || true; done
    # shellcheck disable=SC2207
    k+=($(lab_exec "$BENCH_CLIENT" ping -n -c 50 -i 0.01 "$kt" | sed -nE 's|.* time=([0-9.]+) ms.*|\1|p' || true))
    "$start" >/dev/null
    # shellcheck disable=SC2207
    x+=($(lab_exec "$BENCH_CLIENT" ping -n -c 50 -i 0.01 "$st" | sed -nE 's|.* time=([0-9.]+) ms.*|\1|p' || true))
    lab_daemon_stop >/dev/null
  done
  R[kernel.rtt_il]=$(median "${k[@]:-0}")
  R[sixfour.rtt_il]=$(median "${x[@]:-0}")
  printf 'ping 10 ms apart, interleaved (%s rounds): kernel %s ms, sixfour %s ms\n' "${PING_ROUNDS:-5}" \
    "${R[kernel.rtt_il]}" "${R[sixfour.rtt_il]}" >&2
}

ratio() {
  "$LAB_PY" -c "
try:
    a, b = float('$1'), float('$2')
    print(f'{a/b:.2f}x' if b else 'n/a')
except ValueError:
    print('n/a')"
}

# print_table NAME...: one row per figure, one column per measured setup.
print_table() {
  local names=("$@") n f
  printf '%-32s' figure
  for n in "${names[@]}"; do printf ' %10s' "$n"; done
  printf '\n'
  local -a figs=(tcp tcp_rev tcp4 udp udp_fwd udp_cpu udp_mcpu flood rtt rtt_il rtt_flood conn cpu)
  local c=$BENCH_CLIENT s=$BENCH_SERVER
  local -A label=([tcp]="TCP 1 flow $c->$s Gbit/s" [tcp_rev]="TCP 1 flow $s->$c Gbit/s"
    [tcp4]="TCP 4 flows $c->$s Gbit/s" [udp]="UDP 64B recv kpps" [rtt]="ping RTT ms (lower=better)"
    [conn]="new TCP connections/s" [cpu]="CPU s/Gbit (translator proc)")
  label[udp]="UDP 64B recv kpps (median)"
  label[udp_fwd]="UDP 64B forwarded kpps (median)"
  label[udp_cpu]="UDP CPU us/packet (translator)"
  label[udp_mcpu]="UDP CPU us/packet (machine)"
  label[flood]="UDP 64B flood kpps (sendmmsg)"
  label[rtt]="ping RTT ms, 10 ms apart (median)"
  label[rtt_il]="  the same, interleaved"
  label[rtt_flood]="ping RTT us, back to back (avg)"
  for f in "${figs[@]}"; do
    printf '%-32s' "${label[$f]}"
    for n in "${names[@]}"; do printf ' %10s' "${R[$n.$f]:--}"; done
    printf '\n'
  done
}

# target WHAT FIGURE A B WANT >=|<=: prints A/B for FIGURE and whether it meets WANT.
target() {
  local what=$1 fig=$2 a=$3 b=$4 want=$5 op=$6 r verdict
  r=$(ratio "${R[$a.$fig]:-0}" "${R[$b.$fig]:-0}")
  verdict=$("$LAB_PY" -c "
r = '$r'.rstrip('x')
try:
    v = float(r)
    print('met' if (v >= $want if '$op' == '>=' else v <= $want) else 'NOT met')
except ValueError:
    print('n/a')")
  printf '  %-34s %s/%s = %-8s (want %s %sx: %s)\n' "$what" "$a" "$b" "$r" "$op" "$want" "$verdict"
}
