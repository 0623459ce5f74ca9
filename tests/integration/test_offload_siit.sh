#!/usr/bin/env bash
# `sixfour siit` with TUN offloads (--offload auto, the default) and without (--offload off):
# ping, UDP (one datagram, and a UDP GSO burst), TCP both ways with the content checked by sha256;
# with offloads the stats must show super-packets translated whole, without them no offload
# counter may move; path MTU discovery still works when super-packets are involved. The same with the
# eBPF fast path (the default), which translates the super-packets in the kernel.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")  # used by tests/lab/lab.sh
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
OFF_STAT=lab_stat
OFF_C6_AS4=$LAB_C6_AS4
# shellcheck source=../lab/offload.sh
source "$(dirname "$0")/../lab/offload.sh"
trap lab_down EXIT

lab_up
offload_files
offload_servers

step "offloads auto (the default), the daemon alone (--fast-path off)"
lab_siit_start --fast-path off
assert_match "start line names the offloads" 'offloads csum,tso4,tso6' "$(cat "$LAB_DAEMON_LOG")"
offload_basic "auto"
offload_expect_on
offload_pmtud
lab_daemon_stop

step "--offload off: the plain TUN device, the daemon alone"
lab_siit_start --offload off --fast-path off
assert_match "start line" 'offloads off \(--offload off\)' "$(cat "$LAB_DAEMON_LOG")"
offload_basic "off"
offload_expect_off
lab_daemon_stop

step "the eBPF fast path (default): super-packets translated in the kernel"
lab_siit_start
assert_match "start line" 'fast path eBPF' "$(cat "$LAB_DAEMON_LOG")"
offload_basic "fast"
offload_expect_fast
offload_pmtud
lab_daemon_stop
echo PASS
