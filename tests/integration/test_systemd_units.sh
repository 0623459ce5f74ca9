#!/usr/bin/env bash
# The systemd units of packaging/systemd/ (issue 18): each passes `systemd-analyze verify` (its
# ExecStart pointed at the binary under test, templates instantiated as @lab) and scores at most
# 4.0 ("OK") in `systemd-analyze security --offline=yes`; each is Type=notify with a watchdog and
# reads /etc/sixfour/NAME.toml; the capability bounding set holds what the daemon keeps after
# set-up (docs/hardening.md) plus what it needs to drop the rest; packaging/sysusers.d creates the
# sixfour user; `sixfour --version` names the git commit it was built from. Nothing is started: no
# systemd runs as PID 1 on the CI machine.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d /tmp/sixfour-units.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

declare -A KEEPS=(  # daemon -> capabilities it keeps after set-up, besides the three to drop with
  [siit]="CAP_NET_ADMIN" [nat64]="CAP_NET_ADMIN" [gateway]="CAP_NET_ADMIN" [clat]="CAP_NET_ADMIN CAP_NET_RAW"
  [dns64]="" [socks]="")
units=0
for src in "$ROOT"/packaging/systemd/sixfour-*.service; do
  name=$(basename "$src")
  daemon=${name#sixfour-}
  daemon=${daemon%%[@.]*}
  unit=${name/@./@lab.}
  sed "s#^ExecStart=/usr/bin/sixfour #ExecStart=$SIXFOUR #" "$src" >"$WORK/$unit"
  echo "=== $unit ($daemon)"
  out=$(systemd-analyze verify --man=no "$WORK/$unit" 2>&1) || fail "$unit: systemd-analyze verify: $out"
  [[ -z $out ]] || fail "$unit: systemd-analyze verify printed: $out"
  ok "$unit: systemd-analyze verify"
  score=$(systemd-analyze security --offline=yes --threshold=40 "$WORK/$unit" 2>&1 | tail -n 1) ||
    fail "$unit: exposure above 4.0: $score"
  ok "$unit: ${score#→ }"
  grep -qx 'Type=notify' "$src" || fail "$unit: not Type=notify"
  grep -qE '^WatchdogSec=[1-9]' "$src" || fail "$unit: no WatchdogSec="
  want_config="/etc/sixfour/$daemon.toml"
  [[ $name == *@.service ]] && want_config="/etc/sixfour/$daemon-%i.toml"
  grep -qx "ExecStart=/usr/bin/sixfour $daemon --config $want_config" "$src" ||
    fail "$unit: ExecStart is not 'sixfour $daemon --config $want_config'"
  bounding=" $(sed -n 's/^CapabilityBoundingSet=//p' "$src") "
  for cap in ${KEEPS[$daemon]} CAP_SETUID CAP_SETGID CAP_SETPCAP; do
    [[ $bounding == *" $cap "* ]] || fail "$unit: $cap missing from CapabilityBoundingSet=$bounding"
  done
  ok "$unit: Type=notify, watchdog, $want_config, bounding set has ${KEEPS[$daemon]:-no capability kept} + setuid/setgid/setpcap"
  units=$((units + 1))
done
[[ $units -eq 6 ]] || fail "expected 6 units, found $units"

echo "=== sysusers.d"
mkdir -p "$WORK/root/etc"
systemd-sysusers --root="$WORK/root" "$ROOT/packaging/sysusers.d/sixfour.conf" >/dev/null 2>&1 ||
  fail "systemd-sysusers failed"
line=$(grep '^sixfour:' "$WORK/root/etc/passwd") || fail "no sixfour user created"
[[ $line == *:/nonexistent:/usr/sbin/nologin ]] || fail "sixfour user has a home or a shell: $line"
ok "sixfour user: $line"

echo "=== sixfour --version"
version=$("$SIXFOUR" --version)
want="^sixfour [0-9]+\.[0-9]+\.[0-9]+ \(git [0-9a-f]{7,}(-dirty)?\)$"
if git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
  [[ $version =~ $want ]] || fail "--version: '$version' does not match /$want/"
  [[ $version == *"$(git -C "$ROOT" rev-parse --short=7 HEAD)"* ]] || fail "--version: '$version' is not HEAD's"
fi
ok "$version"
echo PASS
