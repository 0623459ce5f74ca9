# shellcheck shell=bash disable=SC2034,SC2154
# Lab helpers for `sixfour doctor`, sourced after tests/lab/lab.sh (and after `lab_up ds`):
#
#   c6 2001:db8:6::2 ------ gw: sixfour nat64 (2001:db8:64::/96, pool4 192.0.2.1)
#   (TCP :80)                   sixfour dns64 on [2001:db8:6::1]:53 -> NSD
#                               NSD (authoritative, no DNS64) on 2001:db8:6::53, 198.51.100.1,
#                               203.0.113.1, 2001:db8:d5::1
#   s4 198.51.100.2 (TCP :80)   ds 203.0.113.2 + 2001:db8:d5::2 (TCP :80, both families)
#
# NSD serves doctor.test (an IPv4-only, an IPv6-only and a dual-stack name) and ipv4only.arpa
# as RFC 8880 §7.2 describes it (A 192.0.0.170/171, no AAAA), so a resolver without DNS64 gives
# the NODATA a real one would. Everything runs inside the lab's namespaces; files in $LAB_DIR.

DOC_PREFIX=2001:db8:64::/96
DOC_POOL4=192.0.2.1
DOC_DNS64=2001:db8:6::1
DOC_PLAIN6=2001:db8:6::53   # NSD as c6 sees it: a resolver without DNS64
DOC_PLAIN4=198.51.100.1     # NSD as s4 sees it
DOC_PLAIN_DS=2001:db8:d5::1 # NSD as ds sees it
DOC_V4_HOST=198.51.100.2    # s4
DOC_DS4=203.0.113.2         # ds
DOC_DS6=2001:db8:d5::2      # ds
DOC_C6=2001:db8:6::2
DOC_PORT=80
DOC_NAT64_PID=
DOC_DNS64_PID=
DOC_RA_PID=

doctor_zones() {
  cat >"$LAB_DIR/doctor.test.zone" <<ZONE
\$ORIGIN doctor.test.
\$TTL 300
@       3600 IN SOA ns.doctor.test. admin.doctor.test. 1 3600 600 86400 60
@            IN NS  ns.doctor.test.
ns           IN A   $DOC_PLAIN4
v4only       IN A   $DOC_V4_HOST
v6only       IN AAAA $DOC_DS6
dual         IN A   $DOC_DS4
dual         IN AAAA $DOC_DS6
ZONE
  cat >"$LAB_DIR/ipv4only.arpa.zone" <<'ZONE'
$ORIGIN ipv4only.arpa.
$TTL 300
@       3600 IN SOA ns.doctor.test. admin.doctor.test. 1 3600 600 86400 60
@            IN NS  ns.doctor.test.
@            IN A   192.0.0.170
@            IN A   192.0.0.171
ZONE
}

doctor_nsd_start() {
  doctor_zones
  cat >"$LAB_DIR/doctor-nsd.conf" <<EOF2
server:
  ip-address: $DOC_PLAIN6
  ip-address: $DOC_PLAIN4
  ip-address: 203.0.113.1
  ip-address: $DOC_PLAIN_DS
  port: 53
  username: ""
  chroot: ""
  zonesdir: "$LAB_DIR"
  database: ""
  zonelistfile: "$LAB_DIR/doctor-nsd.zonelist"
  xfrdfile: "$LAB_DIR/doctor-nsd.xfrd.state"
  xfrdir: "$LAB_DIR"
  pidfile: "$LAB_DIR/doctor-nsd.pid"
  logfile: "$LAB_DIR/doctor-nsd.errors"
  server-count: 1
  hide-version: yes
  verbosity: 1
remote-control:
  control-enable: no
zone:
  name: "doctor.test"
  zonefile: "$LAB_DIR/doctor.test.zone"
zone:
  name: "ipv4only.arpa"
  zonefile: "$LAB_DIR/ipv4only.arpa.zone"
EOF2
  lab_bg gw doctor-nsd nsd -d -c "$LAB_DIR/doctor-nsd.conf"
  lab_wait_port gw udp "$DOC_PLAIN6" 53
  lab_wait_port gw udp "$DOC_PLAIN4" 53
}

# doctor_lab_up: NSD in gw and a TCP listener on every probe target (after `lab_up ds`).
doctor_lab_up() {
  ip -n "$(lab_ns gw)" addr add "$DOC_PLAIN6/64" dev eth-c6 nodad
  mkdir -p "$LAB_DIR/www"
  echo hello >"$LAB_DIR/www/index.html"
  lab_bg s4 doctor-www-s4 "$LAB_PY" "$LAB_HOME/httpd.py" "$DOC_V4_HOST" "$DOC_PORT" "$LAB_DIR/www"
  # "::" with net.ipv6.bindv6only=0 (the default) takes both families.
  lab_bg ds doctor-www-ds "$LAB_PY" "$LAB_HOME/httpd.py" :: "$DOC_PORT" "$LAB_DIR/www"
  lab_bg c6 doctor-www-c6 "$LAB_PY" "$LAB_HOME/httpd.py" :: "$DOC_PORT" "$LAB_DIR/www"
  doctor_nsd_start
  lab_wait_port s4 tcp "$DOC_V4_HOST" "$DOC_PORT"
  lab_wait_port ds tcp "*" "$DOC_PORT"
  lab_wait_port c6 tcp "*" "$DOC_PORT"
}

# doctor_nat64_start / doctor_dns64_start: the translator and the DNS64 in gw.
doctor_nat64_start() {
  lab_daemon_start nat64 --tun "$LAB_TUN" --prefix "$DOC_PREFIX" --pool4 "$DOC_POOL4" --control "$LAB_DIR/nat64.sock"
  DOC_NAT64_PID=$LAB_DAEMON_PID
}

doctor_dns64_start() {
  local args=(dns64 --listen "[$DOC_DNS64]:53" --upstream "$DOC_PLAIN4:53" --prefix "$DOC_PREFIX"
    --allow 2001:db8:6::/64 --control "$LAB_DIR/dns64.sock")
  printf '+ [gw] %s %s &\n' "$SIXFOUR" "${args[*]}"
  ip netns exec "$(lab_ns gw)" "$SIXFOUR" "${args[@]}" >"$LAB_DIR/dns64.log" 2>&1 &
  DOC_DNS64_PID=$!
  lab_wait_port gw udp "$DOC_DNS64" 53
}

# doctor_ra_start: gw advertises PREF64 $DOC_PREFIX (RFC 8781) to c6 five times a second.
doctor_ra_start() {
  lab_bg gw doctor-ra "$LAB_PY" "$LAB_HOME/ra_pref64.py" eth-c6 "$DOC_PREFIX" 600
  DOC_RA_PID=$LAB_PID_doctor_ra  # set by lab_bg
}

doctor_ra_stop() {
  [[ -n $DOC_RA_PID ]] || return 0
  kill -TERM "$DOC_RA_PID" 2>/dev/null || true
  wait "$DOC_RA_PID" 2>/dev/null || true
  DOC_RA_PID=
}

# The flags every doctor run of the tests uses: lab targets only, short deadlines.
doctor_lab_flags() {
  DOC_FLAGS=(--timeout 1500 --pref64-wait 400 --port "$DOC_PORT" --v4-literal "$DOC_V4_HOST" --v6-literal "$DOC_DS6"
    --v4-name v4only.doctor.test --v6-name v6only.doctor.test --ds-name dual.doctor.test)
}

# doctor_json KEY [JSON]: one value of doctor's JSON (default: $LAB_OUT) by a dotted path
# ("verdict", "probes.ipv4_name.grade": a probe by its id, "nat64.prefixes.0").
doctor_json() {
  "$LAB_PY" -c '
import json, sys
d = json.loads(sys.argv[2])
for k in sys.argv[1].split("."):
    if isinstance(d, list):
        if k.isdigit():
            d = d[int(k)]
        else:
            d = next(x for x in d if x.get("id") == k)
    else:
        d = d[k]
print(str(d).lower() if isinstance(d, bool) else d)' "$1" "${2:-$LAB_OUT}"
}
