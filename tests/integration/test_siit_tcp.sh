#!/usr/bin/env bash
# TCP through `sixfour siit`: the IPv6-only client downloads from and uploads to an HTTP server on
# the IPv4-only server (and the reverse direction), checking every byte by sha256.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")  # used by tests/lab/lab.sh
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
trap lab_down EXIT

lab_up
www=$LAB_DIR/www
mkdir -p "$www"
printf 'hello from the IPv4-only server\n' >"$www/hello.txt"
head -c 2097152 /dev/urandom >"$www/big.bin"
want=$(sha256sum <"$www/big.bin" | cut -d' ' -f1)

lab_siit_start
lab_bg s4 httpd4 "$LAB_PY" "$LAB_HOME/httpd.py" "$LAB_S4" 80 "$www"
lab_bg c6 httpd6 "$LAB_PY" "$LAB_HOME/httpd.py" "$LAB_C6" 8080 "$www"
lab_wait_port s4 tcp "$LAB_S4" 80
lab_wait_port c6 tcp "$LAB_C6" 8080

curl_opts=(-g -sS --max-time 30)

step "c6 -> s4: GET http://[$LAB_S4_AS6]/hello.txt"
lab_ok "curl hello.txt from c6" c6 curl "${curl_opts[@]}" "http://[$LAB_S4_AS6]/hello.txt"
assert_eq "hello.txt content" "hello from the IPv4-only server" "$LAB_OUT"
assert_match "s4 saw the client as $LAB_C6_AS4" "$LAB_C6_AS4 - - .*GET /hello.txt" "$(cat "$LAB_DIR/httpd4.log")"

step "c6 -> s4: GET 2 MiB"
lab_ok "curl big.bin from c6" c6 curl "${curl_opts[@]}" -o "$LAB_DIR/c6-got.bin" \
  -w '%{http_code} %{size_download}\n' "http://[$LAB_S4_AS6]/big.bin"
assert_eq "HTTP status and size" "200 2097152" "$LAB_OUT"
assert_eq "sha256 of the download" "$want" "$(sha256sum <"$LAB_DIR/c6-got.bin" | cut -d' ' -f1)"

step "c6 -> s4: POST 2 MiB"
lab_ok "curl upload from c6" c6 curl "${curl_opts[@]}" --data-binary "@$www/big.bin" \
  -H 'Content-Type: application/octet-stream' "http://[$LAB_S4_AS6]/upload"
assert_eq "sha256 and length seen by s4" "$want 2097152" "$LAB_OUT"

step "s4 -> c6: GET http://$LAB_C6_AS4:8080/big.bin"
lab_ok "curl big.bin from s4" s4 curl "${curl_opts[@]}" -o "$LAB_DIR/s4-got.bin" \
  -w '%{http_code} %{size_download}\n' "http://$LAB_C6_AS4:8080/big.bin"
assert_eq "HTTP status and size" "200 2097152" "$LAB_OUT"
assert_eq "sha256 of the download" "$want" "$(sha256sum <"$LAB_DIR/s4-got.bin" | cut -d' ' -f1)"
assert_match "c6 saw the server as $LAB_S4_AS6" "$LAB_S4_AS6 - - .*GET /big.bin" "$(cat "$LAB_DIR/httpd6.log")"

step "a closed TCP port: the RST crosses the translator (connection refused, not a timeout)"
lab_expect_rc "curl to closed port 81 from c6" 7 c6 curl "${curl_opts[@]}" --max-time 5 "http://[$LAB_S4_AS6]:81/"

lab_daemon_stop
echo PASS
