#!/usr/bin/env bash
# Benchmark: `sixfour socks` against microsocks and `ssh -D` (OpenSSH's dynamic forwarding), all
# on gw, in one lab run. The IPv6-only client c6 downloads from nginx on the IPv4-only s4.
#
#   bench/socks.sh [path/to/sixfour]      (as root; default build/sixfour)
#
# Figures:
#   throughput  one 1 GiB HTTP download (curl --socks5-hostname), MB/s (10^6 bytes)
#   cps         SOCKS connections per second: $REQUESTS short HTTP requests (Connection: close,
#               so one SOCKS connection each) with $PARALLEL concurrent clients (curl --parallel);
#               best of $ROUNDS rounds, the proxies taking turns
# Prints each figure and sixfour's ratios (bar: >= 4x ssh -D throughput, >= microsocks cps).
set -euo pipefail
SIXFOUR=$(realpath "${1:-build/sixfour}")
export SIXFOUR
SIZE_MIB=${SIZE_MIB:-1024}
REQUESTS=${REQUESTS:-5000}
PARALLEL=${PARALLEL:-100}
ROUNDS=${ROUNDS:-3}
# shellcheck source=../tests/lab/lab.sh
source "$(dirname "$0")/../tests/lab/lab.sh"
trap lab_down EXIT
for t in nginx microsocks sshd ssh ssh-keygen curl; do
  command -v "$t" >/dev/null || { echo "bench: $t not installed (scripts/setup)" >&2; exit 1; }
done

lab_up >/dev/null
www=$LAB_DIR/www
mkdir -p "$www" "$LAB_DIR/nginx"
truncate -s "${SIZE_MIB}M" "$www/big.bin"
printf 'ok\n' >"$www/small.txt"
cat >"$LAB_DIR/nginx/nginx.conf" <<CONF
daemon off;
user root;  # the lab dir is 0700
worker_processes 1;
pid $LAB_DIR/nginx/nginx.pid;
error_log $LAB_DIR/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  keepalive_timeout 0;
  client_body_temp_path $LAB_DIR/nginx;
  proxy_temp_path $LAB_DIR/nginx;
  fastcgi_temp_path $LAB_DIR/nginx;
  uwsgi_temp_path $LAB_DIR/nginx;
  scgi_temp_path $LAB_DIR/nginx;
  server { listen $LAB_S4:80 backlog=4096; root $www; }
}
CONF
sed -e "s|listen $LAB_S4:80|listen [$LAB_GW6]:8080|" -e "s|nginx.pid|nginx-gw.pid|" \
  "$LAB_DIR/nginx/nginx.conf" >"$LAB_DIR/nginx/nginx-gw.conf"
lab_bg s4 nginx nginx -c "$LAB_DIR/nginx/nginx.conf" -e "$LAB_DIR/nginx/error.log"
lab_wait_port s4 tcp "$LAB_S4" 80

# sixfour socks and microsocks on gw's inside address.
lab_bg gw sixfour "$SIXFOUR" socks --listen "[$LAB_GW6]:1080" --control "$LAB_DIR/socks.sock"
lab_bg gw microsocks microsocks -i "$LAB_GW6" -p 1081
# sshd on gw for `ssh -D`: host key and root's client key in the lab dir, root login by key only.
ssh-keygen -q -t ed25519 -N '' -f "$LAB_DIR/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$LAB_DIR/client_key"
cp "$LAB_DIR/client_key.pub" "$LAB_DIR/authorized_keys"
chmod 600 "$LAB_DIR/authorized_keys"
cat >"$LAB_DIR/sshd_config" <<CONF
ListenAddress $LAB_GW6
Port 22
HostKey $LAB_DIR/host_key
PidFile $LAB_DIR/sshd.pid
AuthorizedKeysFile $LAB_DIR/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowTcpForwarding yes
CONF
mkdir -p /run/sshd
lab_bg gw sshd "$(command -v sshd)" -D -e -f "$LAB_DIR/sshd_config"
lab_wait_port gw tcp "$LAB_GW6" 1080
lab_wait_port gw tcp "$LAB_GW6" 1081
lab_wait_port gw tcp "$LAB_GW6" 22
lab_bg c6 sshclient ssh -N -D "[::1]:1082" -i "$LAB_DIR/client_key" -o StrictHostKeyChecking=no \
  -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o ExitOnForwardFailure=yes "root@$LAB_GW6"
lab_wait_port c6 tcp "::1" 1082

declare -A R
# CPU time (clock ticks) used so far by every process in gw's namespace and by c6's ssh client:
# the proxies' cost, independent of how busy the machine is with other work.
cpu_ticks() {
  local pids p t=0
  pids="$(ip netns pids "$(lab_ns gw)") ${LAB_PID_sshclient:-}"
  for p in $pids; do
    [[ -r /proc/$p/stat ]] || continue
    t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat")))
  done
  echo "$t"
}
tput() {  # NAME PROXY
  local b c0 c1
  c0=$(cpu_ticks)
  if [[ $2 == direct ]]; then
    b=$(lab_exec c6 curl -s -o /dev/null --max-time 300 -w '%{speed_download}' "http://[$LAB_GW6]:8080/big.bin") || true
  else
    b=$(lab_exec c6 curl -g -s -o /dev/null --max-time 300 -w '%{speed_download}' --socks5-hostname "$2" \
      "http://$LAB_S4/big.bin") || true
  fi
  c1=$(cpu_ticks)
  R[$1.mbs]=$("$LAB_PY" -c "print(round(${b:-0}/1e6,1))")
  # CPU seconds the proxy side spent per GiB moved.
  R[$1.cpu]=$("$LAB_PY" -c "print(round(($c1-$c0)/$(getconf CLK_TCK)*1024/$SIZE_MIB,2))")
  printf '%-10s %s MiB download: %s MB/s, proxy CPU %s s/GiB\n' "$1" "$SIZE_MIB" "${R[$1.mbs]}" "${R[$1.cpu]}" >&2
}
cps() {  # NAME PROXY
  local start end out ok
  start=$(date +%s%N)
  out=$(lab_exec c6 curl -s -S -Z --parallel-max "$PARALLEL" --parallel-immediate -H 'Connection: close' \
    --max-time 60 --socks5 "$2" -o /dev/null -w '%{http_code}\n' "http://$LAB_S4/small.txt?[1-$REQUESTS]") || true
  end=$(date +%s%N)
  ok=$(grep -c '^200$' <<<"$out" || true)
  local v
  v=$("$LAB_PY" -c "print(round($ok/(($end-$start)/1e9)))")
  # Best of $ROUNDS rounds (the proxies take turns): other load on the machine only ever lowers it.
  ((v > ${R[$1.cps]:-0})) && R[$1.cps]=$v
  printf '%-10s %d/%d requests ok, %s connections/s\n' "$1" "$ok" "$REQUESTS" "$v" >&2
}

# Reference: the same file straight from nginx (no proxy; gw forwards nothing here, so nginx on
# gw's inside address serves it).
lab_bg gw nginxgw nginx -c "$LAB_DIR/nginx/nginx-gw.conf" -e "$LAB_DIR/nginx/error-gw.log"
lab_wait_port gw tcp "$LAB_GW6" 8080
tput direct direct
proxy_of() {
  case $1 in
    sixfour) echo "[$LAB_GW6]:1080" ;;
    microsocks) echo "[$LAB_GW6]:1081" ;;
    ssh) echo "[::1]:1082" ;;
  esac
}
for n in sixfour microsocks ssh; do tput "$n" "$(proxy_of "$n")"; done
for ((round = 0; round < ROUNDS; round++)); do
  for n in sixfour microsocks ssh; do cps "$n" "$(proxy_of "$n")"; done
done

ratio() { "$LAB_PY" -c "print(round($1/$2,2) if $2 else 'n/a')"; }
echo
printf '| figure | sixfour socks | microsocks | ssh -D | sixfour/microsocks | sixfour/ssh -D |\n'
printf '|---|---|---|---|---|---|\n'
printf '| %s MiB download, MB/s | %s | %s | %s | %s× | %s× |\n' "$SIZE_MIB" "${R[sixfour.mbs]}" "${R[microsocks.mbs]}" \
  "${R[ssh.mbs]}" "$(ratio "${R[sixfour.mbs]}" "${R[microsocks.mbs]}")" "$(ratio "${R[sixfour.mbs]}" "${R[ssh.mbs]}")"
printf '| proxy CPU per GiB, s | %s | %s | %s | | |\n' "${R[sixfour.cpu]}" "${R[microsocks.cpu]}" "${R[ssh.cpu]}"
printf '| (direct from nginx, no proxy: %s MB/s) | | | | | |\n' "${R[direct.mbs]}"
printf '| connections/s (%d requests, %d concurrent, best of %d) | %s | %s | %s | %s× | %s× |\n' "$REQUESTS" "$PARALLEL" "$ROUNDS" \
  "${R[sixfour.cps]}" "${R[microsocks.cps]}" "${R[ssh.cps]}" \
  "$(ratio "${R[sixfour.cps]}" "${R[microsocks.cps]}")" "$(ratio "${R[sixfour.cps]}" "${R[ssh.cps]}")"
