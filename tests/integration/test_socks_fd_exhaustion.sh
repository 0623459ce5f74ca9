#!/usr/bin/env bash
# `sixfour socks` out of file descriptors (RLIMIT_NOFILE 48): new clients are refused (accepted
# and closed at once, counted), a download already running finishes intact, and once the flood is
# gone new clients are served again.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
# shellcheck source=../lab/socks.sh
source "$(dirname "$0")/../lab/socks.sh"
trap socks_cleanup EXIT

lab_up
www=$LAB_DIR/www
mkdir -p "$www"
head -c 4194304 /dev/urandom >"$www/big.bin"
want=$(sha256sum <"$www/big.bin" | cut -d' ' -f1)
printf 'hello from the IPv4-only server\n' >"$www/hello.txt"
lab_bg s4 httpd4 "$LAB_PY" "$LAB_HOME/httpd.py" "$LAB_S4" 80 "$www"
lab_wait_port s4 tcp "$LAB_S4" 80
# No per-client limits: the 60 handshakes all come from c6 and must reach the fd limit (the
# slowloris defence, --max-handshakes-per-client, is test_socks_slowloris.sh's).
SOCKS_WRAP="prlimit --nofile=48:48" socks_start gw --listen "[$SOCKS_ADDR]:$SOCKS_PORT" --workers 1 \
  --handshake-timeout 4 --max-per-client 0 --max-handshakes-per-client 0
P="[$SOCKS_ADDR]:$SOCKS_PORT"

step "a slow download (1 MB/s) runs while 60 clients hold handshakes open"
ip netns exec "$(lab_ns c6)" curl -g -sS --max-time 30 --limit-rate 1M --socks5 "$P" -o "$LAB_DIR/got.bin" \
  -w '%{http_code} %{size_download}\n' "http://$LAB_S4/big.bin" >"$LAB_DIR/curl.out" 2>&1 &
curl_pid=$!
sleep 0.5
flood=()
for ((i = 0; i < 60; i++)); do
  ip netns exec "$(lab_ns c6)" "$LAB_PY" "$SOCKS_PY" hold "$SOCKS_ADDR" "$SOCKS_PORT" 05 >/dev/null 2>&1 &
  flood+=($!)
done
for ((i = 0; i < 50; i++)); do
  [[ $(socks_stat clients.refused_fd) -ge 1 ]] && break
  sleep 0.1
done
assert_ge "clients.refused_fd" 1 "$(socks_stat clients.refused_fd)"
kill -0 "$SOCKS_PID" || fail "the proxy died"
wait "$curl_pid" || fail "download failed: $(cat "$LAB_DIR/curl.out")"
assert_eq "download status and size" "200 4194304" "$(cat "$LAB_DIR/curl.out")"
assert_eq "sha256" "$want" "$(sha256sum <"$LAB_DIR/got.bin" | cut -d' ' -f1)"
for p in "${flood[@]}"; do wait "$p" || true; done

step "after the flood: served again"
lab_ok "GET hello.txt" c6 curl -g -sS --max-time 10 --socks5 "$P" "http://$LAB_S4/hello.txt"
assert_eq "body" "hello from the IPv4-only server" "$LAB_OUT"
socks_stop
echo PASS
