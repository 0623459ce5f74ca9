#!/usr/bin/env bash
# The man pages (scripts/manpages, built into BUILD/package/man with the program): each renders with
# `man -l` without a groff warning, has its NAME line and sections, and holds every option that
# its command's --help lists (the page is made from that --help: this catches a help2man misreading).
# Needs no root and no namespace.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")
MAN=$(dirname "$SIXFOUR")/package/man
fail() { echo "FAIL: $*" >&2; exit 1; }
[[ -d $MAN ]] || fail "no $MAN (help2man missing when the build was configured? scripts/setup installs it)"

# check PAGE COMMAND...: the page of `sixfour COMMAND`.
check() {
  local page=$MAN/$1 text warnings opt
  shift
  [[ -f $page && -f $page.gz ]] || fail "$page(.gz) missing"
  warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
  [[ -z $warnings ]] || fail "$page: $warnings"
  text=$(LC_ALL=C.UTF-8 MANWIDTH=200 man -l "$page" 2>/dev/null)
  for section in NAME SYNOPSIS DESCRIPTION "SEE ALSO"; do
    grep -q "^$section" <<<"$text" || fail "$page: no $section section"
  done
  cmp -s <(gzip -dc "$page.gz") "$page" || fail "$page.gz is not $page"
  local opts
  opts=$("$SIXFOUR" "$@" --help | grep -oE '^ +(-[a-z],)?--[a-z0-9-]+' | sed -E 's/^ +(-[a-z],)?//')
  [[ -n $opts ]] || fail "no option found in 'sixfour $*' --help"
  for opt in $opts; do
    grep -qE -- "^ *(-[a-z],)?$opt( |,|$)" <<<"$text" || fail "$page: --help has $opt, the page does not"
  done
  echo "ok: $(basename "$page"): $(wc -l <<<"$text") lines, the $(wc -w <<<"$opts") options of 'sixfour $*' --help"
}
check sixfour.1
check sixfour-nat64.8 nat64
check sixfour-siit.8 siit
check sixfour-dns64.8 dns64
check sixfour-socks.8 socks
check sixfour-gateway.8 gateway
check sixfour-clat.8 clat
check sixfour-doctor.1 doctor
check sixfour-lab.8 lab
# The daemons' pages say how signals and systemd are handled.
for d in nat64 siit dns64 socks gateway clat; do
  LC_ALL=C.UTF-8 man -l "$MAN/sixfour-$d.8" 2>/dev/null | grep -q '^SIGNALS' || fail "sixfour-$d.8: no SIGNALS"
done
echo "PASS: test_man_pages"
