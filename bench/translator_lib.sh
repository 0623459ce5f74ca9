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

# bench_conn_server ADDR PORT: bench/conn_storm.c built into $LAB_DIR (the server and the client
# that counts completed connections), and its server in s4 on ADDR#PORT, accepting and closing at
# once. (A Python generator spent about 60% of the lab's two CPUs itself, so it, not the path, set
# most of the connections/s figure: docs/benchmarks.md, 2026-12-06 (evening).)
bench_conn_server() {
  cc -O2 -o "$LAB_DIR/conn_storm" "$(dirname "${BASH_SOURCE[0]}")/conn_storm.c"
  lab_bg s4 conn4 "$LAB_DIR/conn_storm" serve "$1" "$2"
  # The server closes first, so its side keeps each connection in TIME_WAIT for 60 s; a later row's
  # translator reusing an outside (address, port) would then meet it and wait for a retransmitted
  # SYN. No TIME_WAIT in s4: every row starts alike.
  lab_sysctl s4 net.ipv4.tcp_max_tw_buckets=0
}

# conn_rate TARGET PORT: new TCP connections per second to the conn_storm server at TARGET PORT, 4
# clients in parallel for CONN_SECONDS (each connects, waits for the server's FIN, closes).
conn_rate() {
  local i pids=() total=0 f
  for i in 1 2 3 4; do
    lab_exec "$BENCH_CLIENT" "$LAB_DIR/conn_storm" client "$1" "$2" "$CONN_SECONDS" >"$LAB_DIR/conn-$i.out" &
    pids+=($!)
  done
  wait "${pids[@]}" || true
  for f in "$LAB_DIR"/conn-*.out; do total=$((total + $(cat "$f" 2>/dev/null || echo 0))); done
  rm -f "$LAB_DIR"/conn-*.out
  echo $((total / CONN_SECONDS))
}

# flood_rate TARGET: the 64-byte datagrams per second (thousands) that reached s4's UDP layer from
# bench/udp_flood.c sending to TARGET port 7777 for DURATION s ("-" without the flood tool).
flood_rate() {
  local tx0 tx1
  [[ -x $LAB_DIR/udp_flood ]] || { echo -; return; }
  tx0=$(s4_udp_datagrams)
  lab_exec "$BENCH_CLIENT" "$LAB_DIR/udp_flood" "$1" 7777 "$DURATION" >/dev/null || true
  tx1=$(s4_udp_datagrams)
  "$LAB_PY" -c "print(round(($tx1 - $tx0) / $DURATION / 1000, 1))"
}

# bench_peer_in_turn TARGET A A_UP A_DOWN B B_UP B_DOWN: new connections/s and the 64-byte flood
# through translators A and B in turn (A first in rounds 1, 3, ..., B in 2, 4, ...), CONN_ROUNDS
# (default 3) rounds, each translator started (X_UP) and stopped (X_DOWN) around its measure; the
# medians go to R[X.conn_il] and R[X.flood_peer_il], the rounds to stderr. Each round has a
# connection server port of its own (9100 + round, on s4's IPv4 address), so nothing an earlier
# round left (the kernel's connection tracking behind a MASQUERADE, a daemon's sessions) meets a
# new connection.
bench_peer_in_turn() {
  local target=$1 r port i order
  local -a who=("$2" "$5") up=("$3" "$6") down=("$4" "$7") conn=("" "") flood=("" "")
  for ((r = 0; r < ${CONN_ROUNDS:-3}; r++)); do
    port=$((9100 + r))
    lab_bg s4 "conn-il$r" "$LAB_DIR/conn_storm" serve "$LAB_S4" "$port"
    lab_wait_port s4 tcp "$LAB_S4" "$port"
    order=(0 1)
    ((r % 2)) && order=(1 0)
    for i in "${order[@]}"; do
      "${up[i]}" >/dev/null
      conn[i]+=" $(conn_rate "$target" "$port")"
      flood[i]+=" $(flood_rate "$target")"
      "${down[i]}" >/dev/null
    done
  done
  for i in 0 1; do
    # shellcheck disable=SC2086 # lists of numbers
    R[${who[i]}.conn_il]=$(median ${conn[i]})
    # shellcheck disable=SC2086
    R[${who[i]}.flood_peer_il]=$(median ${flood[i]})
    printf 'in turn with the peer (%s rounds), %s: connections/s%s, flood%s kpps\n' "${CONN_ROUNDS:-3}" \
      "${who[i]}" "${conn[i]}" "${flood[i]}" >&2
  done
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
    fwd+=("$(flood_rate "$target")")
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
    [[ -n $cport ]] && R[$name.conn]=$(conn_rate "$target" "$cport")
  fi
  printf '%-10s tcp %s Gbit/s, reverse %s, 4 flows %s, udp64 %s kpps received (rounds %s), %s forwarded, flood %s (rounds %s), rtt %s ms (back to back %s us), %s conn/s, cpu %s s/Gbit\n' \
    "$name" "${R[$name.tcp]}" "${R[$name.tcp_rev]}" "${R[$name.tcp4]}" "${R[$name.udp]}" "${R[$name.udp_rounds]}" "${R[$name.udp_fwd]}" "${R[$name.flood]}" "${R[$name.flood_rounds]:-}" "${R[$name.rtt]}" "${R[$name.rtt_flood]}" \
    "${R[$name.conn]}" "${R[$name.cpu]}" >&2
}

# turn_round NAME TARGET IPERF_PORT: one round of bench_in_turn's figures through what carries
# TARGET now: 50 echoes 10 ms apart, the 64-byte flood, TCP one flow each way; appended to
# R[NAME.FIGURE_all] (FIGURE: rtt, flood, tcp, tcp_rev).
turn_round() {
  local name=$1 target=$2 port=$3 j
  R[$name.rtt_all]+=" $(lab_exec "$BENCH_CLIENT" ping -n -c 50 -i 0.01 "$target" |
    sed -nE 's|.* time=([0-9.]+) ms.*|\1|p' | tr '\n' ' ' || true)"
  [[ -x $LAB_DIR/udp_flood ]] && R[$name.flood_all]+=" $(flood_rate "$target")"
  j=$(lab_exec "$BENCH_CLIENT" iperf3 -c "$target" -p "$port" -t "$DURATION" -J) || true
  R[$name.tcp_all]+=" $(gbps <<<"$j" 2>/dev/null || echo 0)"
  j=$(lab_exec "$BENCH_CLIENT" iperf3 -c "$target" -p "$port" -t "$DURATION" -R -J) || true
  R[$name.tcp_rev_all]+=" $(gbps <<<"$j" 2>/dev/null || echo 0)"
}

# bench_in_turn KERNEL_TARGET KERNEL_PORT TARGET PORT START_FN: the bars' figures through the
# kernel's IPv6 forwarding and through the default daemon in turn, TURN_ROUNDS (default 5) rounds
# of turn_round for each (the kernel first in rounds 1, 3, ..., the daemon in 2, 4, ...), the
# daemon started (START_FN) and stopped around its own, nothing attached to gw (no clsact qdisc)
# during the kernel's. The medians of all the rounds (of every echo, for ping) go to
# R[kernel.FIGURE_il] and R[sixfour.FIGURE_il]: both sides measured at the same moments. The rows
# are minutes apart, and this VM moves by a third to a half in that time (the kernel's own ping 10
# ms apart has been 0.024 to 0.090 ms from one run to the next).
bench_in_turn() {
  local kt=$1 kp=$2 st=$3 sp=$4 start=$5 r d n f order
  for ((r = 0; r < ${TURN_ROUNDS:-5}; r++)); do
    order=(kernel sixfour)
    ((r % 2)) && order=(sixfour kernel)
    for n in "${order[@]}"; do
      if [[ $n == kernel ]]; then
        for d in eth-c6 eth-s4; do tc -n "$(lab_ns gw)" qdisc del dev "$d" clsact 2>/dev/null || true; done
        turn_round kernel "$kt" "$kp"
      else
        "$start" >/dev/null
        turn_round sixfour "$st" "$sp"
        lab_daemon_stop >/dev/null
      fi
    done
  done
  for n in kernel sixfour; do
    for f in rtt flood tcp tcp_rev; do
      # shellcheck disable=SC2086 # a list of numbers
      R[$n.${f}_il]=$(median ${R[$n.${f}_all]:-0})
    done
    printf 'in turn (%s rounds), %s: ping %s ms, flood %s kpps, TCP %s Gbit/s, reverse %s\n' "${TURN_ROUNDS:-5}" \
      "$n" "${R[$n.rtt_il]}" "${R[$n.flood_all]}" "${R[$n.tcp_all]}" "${R[$n.tcp_rev_all]}" >&2
  done
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
  local -a figs=(tcp tcp_il tcp_rev tcp_rev_il tcp4 udp udp_fwd udp_cpu udp_mcpu flood flood_il flood_peer_il rtt rtt_il
    rtt_flood conn conn_il cpu)
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
  local f
  for f in tcp_il tcp_rev_il flood_il rtt_il conn_il; do label[$f]="  the same, in turn"; done
  label[flood_peer_il]="  the same, in turn with the peer"
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
