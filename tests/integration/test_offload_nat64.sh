#!/usr/bin/env bash
# `sixfour nat64` with TUN offloads (--offload auto, the default) and without (--offload off), the
# daemon alone, then with its eBPF fast path: ping, UDP (one datagram, a UDP GSO burst, a stream),
# TCP both ways with the content checked by sha256; with offloads the stats must show super-packets
# translated whole, without them no offload counter may move; path MTU discovery still works when
# super-packets are involved, through the daemon and through the fast path.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")  # used by tests/lab/lab.sh
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
# shellcheck source=../lab/nat64.sh
source "$(dirname "$0")/../lab/nat64.sh"
OFF_STAT=nat64_stat
OFF_C6_AS4=$N64_POOL4
# shellcheck source=../lab/offload.sh
source "$(dirname "$0")/../lab/offload.sh"
trap lab_down EXIT

lab_up
offload_files
offload_servers

step "offloads auto (the default), the daemon alone (--fast-path off)"
# The daemon's own offload path is what is measured: the eBPF fast path (which translates the
# super-packets of established flows in the kernel) stays off here and in the next step.
nat64_start --fast-path off
assert_match "start line names the offloads" 'offloads csum,tso4,tso6' "$(cat "$LAB_DAEMON_LOG")"
offload_basic "auto"
offload_expect_on
offload_pmtud
lab_daemon_stop

step "--offload off: the plain TUN device, the daemon alone"
nat64_start --offload off --fast-path off
assert_match "start line" 'offloads off \(--offload off\)' "$(cat "$LAB_DAEMON_LOG")"
offload_basic "off"
offload_expect_off
lab_daemon_stop

step "the eBPF fast path (default): super-packets of established flows translated in the kernel"
nat64_start
assert_match "start line" 'fast path eBPF' "$(cat "$LAB_DAEMON_LOG")"
offload_basic "fast"
offload_expect_fast
offload_pmtud
lab_daemon_stop
echo PASS
