#!/usr/bin/env bash
# The Debian package (cmake/package.cmake, docs/packaging.md): CPack builds it from the build tree
# of the given program; lintian reports no error; it installs into a root of its own, where
# `sixfour --version`, the man pages, the completion, the conffiles and the sixfour user are there
# and every shared library the program loads comes from a package its Depends names; `dpkg -r`
# and then `dpkg --purge` leave nothing of it behind.
#
# The root: this machine's /usr, /etc and /var seen through overlayfs (writes go to a scratch
# directory, the host is never touched), in a mount namespace of its own, so nothing is mounted
# outside this script. It has the host's packages but no sixfour: dpkg checks Depends against the
# host's database. No network is used (a debootstrap root would need a mirror). Needs root.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")
BUILD=$(dirname "$SIXFOUR")
fail() { echo "FAIL: $*" >&2; exit 1; }
[[ -f $BUILD/CPackConfig.cmake ]] || fail "$BUILD is not a CMake build tree (no CPackConfig.cmake)"
command -v lintian >/dev/null || fail "lintian missing (scripts/setup installs it)"
WORK=$(mktemp -d /tmp/sixfour-deb.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# The package.
cpack --config "$BUILD/CPackConfig.cmake" -G DEB -B "$WORK/out" >"$WORK/cpack.log" 2>&1 ||
  { cat "$WORK/cpack.log" >&2; fail "cpack"; }
DEB=$(ls "$WORK"/out/sixfour_*_*.deb)
[[ $(basename "$DEB") =~ ^sixfour_[0-9]+\.[0-9]+\.[0-9]+_amd64\.deb$ ]] || fail "package name $(basename "$DEB")"
echo "ok: built $(basename "$DEB") ($(stat -c %s "$DEB") bytes)"

# lintian: no error (warnings are listed, not failed on).
lintian --fail-on error "$DEB" >"$WORK/lintian.log" 2>&1 || { cat "$WORK/lintian.log" >&2; fail "lintian reports an error"; }
grep -E '^[EW]:' "$WORK/lintian.log" | sed 's/^/    lintian /' || true
echo "ok: lintian: $(grep -c '^E:' "$WORK/lintian.log" || true) errors, $(grep -c '^W:' "$WORK/lintian.log" || true) warnings"

# What the package says and holds.
conffiles=$(dpkg-deb -I "$DEB" conffiles)
for f in nat64-example siit-example dns64 socks gateway clat; do
  grep -qx "/etc/sixfour/$f.toml" <<<"$conffiles" || fail "/etc/sixfour/$f.toml is not a conffile"
done
depends=$(dpkg-deb -f "$DEB" Depends)
for p in libc6 libstdc++6 libmnl0 libsystemd0 libcap-ng0; do
  [[ $depends == *"$p"* ]] || fail "Depends lacks $p: $depends"
done
contents=$(dpkg-deb -c "$DEB" | awk '{ print $6 }')
for f in ./usr/bin/sixfour ./lib/systemd/system/sixfour-nat64@.service ./usr/lib/sysusers.d/sixfour.conf \
  ./usr/share/man/man1/sixfour.1.gz ./usr/share/man/man8/sixfour-nat64.8.gz ./usr/share/man/man1/sixfour-doctor.1.gz \
  ./usr/share/bash-completion/completions/sixfour ./usr/share/zsh/vendor-completions/_sixfour \
  ./usr/share/doc/sixfour/copyright ./usr/share/sixfour/grafana/sixfour-dashboard.json; do
  grep -qx "$f" <<<"$contents" || fail "the package lacks $f"
done
echo "ok: conffiles, Depends ($depends) and files"

# The root and the steps inside it, all in one mount namespace.
cp "$DEB" "$WORK/sixfour.deb"
cp "$(dirname "$0")/../lab/overlay_root.sh" "$WORK/"
cat >"$WORK/inside.sh" <<'INSIDE'
set -euo pipefail
W=$1 R=$1/root
fail() { echo "FAIL: $*" >&2; exit 1; }
source "$W/overlay_root.sh"
overlay_root "$W"
mount -t proc proc "$R/proc"
mount --rbind /dev "$R/dev"
mount -t tmpfs tmpfs "$R/tmp"
mount -t tmpfs tmpfs "$R/run"  # no /run/systemd/system: the maintainer scripts leave systemd alone
cp "$W/sixfour.deb" "$R/tmp/"
in_root() { chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin HOME=/root LC_ALL=C.UTF-8 "$@"; }

! in_root sh -c 'command -v sixfour' >/dev/null || fail "the root has a sixfour before the install"
in_root dpkg -i /tmp/sixfour.deb >"$W/install.log" 2>&1 || { cat "$W/install.log" >&2; fail "dpkg -i"; }
echo "ok: dpkg -i"
version=$(in_root sixfour --version)
[[ $version =~ ^sixfour\ [0-9]+\.[0-9]+\.[0-9]+\ \(git\ [0-9a-f]{7,} ]] || fail "sixfour --version: $version"
echo "ok: $version"
in_root getent passwd sixfour | grep -q ':/nonexistent:/usr/sbin/nologin$' || fail "no sixfour system user"
echo "ok: the sixfour user: $(in_root getent passwd sixfour)"
[[ $(in_root dpkg-query -W -f='${Conffiles}' sixfour | grep -c /etc/sixfour/) == 6 ]] || fail "dpkg does not hold 6 conffiles"
in_root sixfour nat64 --config /etc/sixfour/nat64-example.toml --pool4 192.0.2.1 --print-config >/dev/null ||
  fail "the installed nat64-example.toml does not read"
page=$(in_root man -P cat sixfour-nat64 2>/dev/null)
[[ $page == *"--pool4"* && $page == *"SIGNALS"* ]] || fail "man sixfour-nat64 does not render"
in_root man -w sixfour sixfour-doctor sixfour-siit sixfour-dns64 sixfour-socks sixfour-gateway sixfour-clat sixfour-lab >/dev/null ||
  fail "a man page is not found by man"
echo "ok: man sixfour-nat64 and the others found"
offers=$(in_root bash --norc -c 'source /usr/share/bash-completion/completions/sixfour
  COMP_WORDS=(sixfour na); COMP_CWORD=1; _sixfour_complete; echo "${COMPREPLY[*]}"')
[[ $offers == nat64 ]] || fail "installed bash completion offers '$offers' for 'sixfour na'"
echo "ok: bash completion"
# Every library the program links (its NEEDED entries) belongs to a package in Depends.
depends=$(in_root dpkg-query -W -f='${Depends}' sixfour)
needed=$(in_root readelf -d /usr/bin/sixfour | sed -nE 's/.*\(NEEDED\).*\[(.*)\]/\1/p')
[[ -n $needed ]] || fail "readelf shows no NEEDED library"
for name in $needed; do
  lib=$(in_root ldd /usr/bin/sixfour | awk -v n="$name" '$1 == n && $3 ~ /^\// { print $3 }')
  [[ -n $lib ]] || fail "ldd does not resolve $name"
  pkg=$(in_root dpkg -S "$lib" 2>/dev/null | head -n 1 | cut -d: -f1) ||
    pkg=$(in_root dpkg -S "$(in_root readlink -f "$lib")" | head -n 1 | cut -d: -f1)
  [[ $depends == *"$pkg"* ]] || fail "$name ($pkg) is not in Depends: $depends"
done
echo "ok: the $(wc -w <<<"$needed") libraries /usr/bin/sixfour links are from packages in Depends"

# Installed again over itself (what an upgrade runs: prerm upgrade, postinst configure).
in_root dpkg -i /tmp/sixfour.deb >"$W/reinstall.log" 2>&1 || { cat "$W/reinstall.log" >&2; fail "dpkg -i over itself"; }
echo "ok: dpkg -i over the installed package"

in_root dpkg -r sixfour >"$W/remove.log" 2>&1 || { cat "$W/remove.log" >&2; fail "dpkg -r"; }
[[ ! -e $R/usr/bin/sixfour && -f $R/etc/sixfour/dns64.toml ]] || fail "after dpkg -r: program still there or conffiles gone"
in_root dpkg --purge sixfour >"$W/purge.log" 2>&1 || { cat "$W/purge.log" >&2; fail "dpkg --purge"; }
[[ ! -e $R/etc/sixfour ]] || fail "/etc/sixfour left after purge"
left=$(cd "$W/up" && find usr etc -path '*sixfour*' ! -path 'etc/.pwd.lock' | grep -v '^etc/\(passwd\|group\|shadow\|gshadow\)' || true)
[[ -z $left ]] || fail "left after purge: $left"
in_root dpkg-query -W sixfour >/dev/null 2>&1 && fail "dpkg still knows sixfour after purge"
echo "ok: dpkg -r then --purge: nothing left in /usr or /etc (the sixfour user stays, as Debian policy wants)"
INSIDE
unshare --mount --propagation private bash "$WORK/inside.sh" "$WORK"
echo "PASS: test_deb_package"
