# shellcheck shell=bash
# A throwaway root for the package tests (test_deb_package.sh, test_systemd_container.sh): this
# machine's /usr, /etc and /var seen through overlayfs, every write going to a tmpfs, so the host is
# never written. Call it in a private mount namespace (`unshare --mount --propagation private`):
# the mounts go with it.
#
#   overlay_root W    builds W/root, with its writable layers in W/up
overlay_root() {
  local w=$1 r=$1/root d l
  mkdir -p "$w/up" "$r"
  mount -t tmpfs tmpfs "$w/up"
  for d in usr etc var; do
    mkdir -p "$w/up/$d" "$w/up/$d.work" "$r/$d"
    mount -t overlay overlay -o "lowerdir=/$d,upperdir=$w/up/$d,workdir=$w/up/$d.work" "$r/$d"
  done
  for l in bin sbin lib lib64; do ln -s "usr/$l" "$r/$l"; done
  mkdir -p "$r/proc" "$r/dev" "$r/tmp" "$r/run" "$r/root" "$r/sys"
  rm -f "$r/var/lib/man-db/auto-update"  # no man-db index rebuild on each dpkg run (seconds each)
}
