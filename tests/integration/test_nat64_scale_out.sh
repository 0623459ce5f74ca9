#!/usr/bin/env bash
# Scale-out (docs/scale-out.md, tests/lab/scale.sh): two `sixfour nat64` instances sharing one
# configuration (`--instance 0/2`, `1/2`) behind a router with ECMP, all routes through FRR (BGP).
#   1. Both instances announce the prefix: the router has two next hops for it, and each instance's
#      pool4 slice only through that instance.
#   2. 120 IPv6 clients fetch a page twice each: every client's sessions are on one instance only,
#      both instances serve a fair share, and their pool4 addresses never overlap (each inside its
#      slice); with port blocks, each client's sessions use ports of the one block the instance
#      logged for it.
#   3. `kill -9` of instance 1: its TUN goes, so do its routes and FRR withdraws them; the router
#      keeps one next hop, and the clients instance 1 served connect again through instance 2
#      (the times are printed).
#   4. Instance 1 starts again: it takes over, is announced again, and serves clients.
# Needs root and FRR.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")
source "$(dirname "$0")/../lab/lab.sh"
source "$(dirname "$0")/../lab/scale.sh"
trap lab_down EXIT

now_ms() { date +%s%3N; }

step "lab: clients, router, two NAT64 instances, server; FRR on router and instances"
scale_lab_up
scale_instance_start 1
scale_instance_start 2
scale_wait_nexthops 2
lab_exec rt ip -6 route show "$SCALE_PREFIX"
r1=$(lab_exec rt ip -4 route show 203.0.113.0/29)
r2=$(lab_exec rt ip -4 route show 203.0.113.8/29)
assert_match "pool4 slice of instance 1 at the router" 'via 192\.0\.2\.2 dev eth-n1' "$r1"
assert_match "pool4 slice of instance 2 at the router" 'via 192\.0\.2\.6 dev eth-n2' "$r2"
echo "ok: the router has both instances for $SCALE_PREFIX and each slice through its own instance"

step "$SCALE_CLIENTS clients, two fetches each"
failed=0
for ((k = 1; k <= SCALE_CLIENTS; k++)); do
  scale_fetch "$k" || failed=$((failed + 1))
  scale_fetch "$k" || failed=$((failed + 1))
done
assert_eq "failed fetches" 0 "$failed"
mapfile -t on1 < <(scale_clients_of 1)
mapfile -t on2 < <(scale_clients_of 2)
both=$(comm -12 <(printf '%s\n' "${on1[@]}") <(printf '%s\n' "${on2[@]}"))
assert_eq "clients with sessions on both instances" "" "$both"
assert_eq "clients seen by the two instances" "$SCALE_CLIENTS" "$((${#on1[@]} + ${#on2[@]}))"
# With a hash of the source address, 120 clients split about evenly; a fifth each is far from it
# happening by chance (more than 5 standard deviations).
assert_ge "clients on instance 1" "$((SCALE_CLIENTS / 5))" "${#on1[@]}"
assert_ge "clients on instance 2" "$((SCALE_CLIENTS / 5))" "${#on2[@]}"
echo "ok: spread: instance 1 ${#on1[@]} clients, instance 2 ${#on2[@]}; no client on both"
for a in $(scale_pool4_of 1); do assert_match "instance 1 pool4 address" '^203\.0\.113\.[0-7]$' "$a"; done
for a in $(scale_pool4_of 2); do assert_match "instance 2 pool4 address" '^203\.0\.113\.([89]|1[0-5])$' "$a"; done
echo "ok: instance 1 uses $(scale_pool4_of 1 | xargs), instance 2 $(scale_pool4_of 2 | xargs): disjoint"
for k in 1 2; do
  read -r clients blocks < <(scale_blocks_check "$k") || fail "instance $k: port blocks"
  assert_eq "port blocks logged by instance $k (one per client)" "$clients" "$blocks"
done
echo "ok: port blocks of $SCALE_BLOCK: each client's sessions inside the one block its instance logged for it"

step "kill -9 of instance 1"
victim=${on1[0]}
victim_k=$((16#${victim##*:}))
t0=$(now_ms)
kill -9 "$SCALE_PID_1"
wait "$SCALE_PID_1" 2>/dev/null || true
scale_wait_nexthops 1 10
t_withdrawn=$(now_ms)
lab_exec rt ip -6 route show "$SCALE_PREFIX"
[[ -z $(lab_exec rt ip -4 route show 203.0.113.0/29) ]] || fail "instance 1's pool4 slice still routed"
until scale_fetch "$victim_k" 1; do
  (($(now_ms) - t0 < 20000)) || fail "client $victim (was on instance 1) cannot connect 20 s after the kill"
  sleep 0.05
done
t_served=$(now_ms)
echo "ok: routes withdrawn $((t_withdrawn - t0)) ms after the kill; client $victim served again after $((t_served - t0)) ms"
failed=0
for ((k = 1; k <= SCALE_CLIENTS; k++)); do scale_fetch "$k" || failed=$((failed + 1)); done
assert_eq "failed fetches with instance 1 dead" 0 "$failed"
grep -qx "$victim" < <(scale_clients_of 2) || fail "$victim is not on instance 2"
echo "ok: all $SCALE_CLIENTS clients served by instance 2 alone"

step "instance 1 again"
scale_instance_start 1
scale_wait_nexthops 2
failed=0
for ((k = 1; k <= SCALE_CLIENTS; k++)); do scale_fetch "$k" || failed=$((failed + 1)); done
assert_eq "failed fetches after the restart" 0 "$failed"
mapfile -t on1 < <(scale_clients_of 1)
assert_ge "clients on the restarted instance 1" "$((SCALE_CLIENTS / 5))" "${#on1[@]}"
echo "ok: instance 1 announced again and serving ${#on1[@]} clients"
echo "PASS: test_nat64_scale_out"
