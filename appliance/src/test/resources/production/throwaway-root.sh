#!/bin/sh
# A throwaway root for the AMI tests (ProvisionScriptIT): a copy-on-write overlay of this machine's /, so that
# packer/provision.sh can install as it does on the build instance while the machine itself is left untouched.
#
#   unshare --mount --fork sh throwaway-root.sh STATE_DIR chroot COMMAND...   run COMMAND in a chroot of it
#   unshare --mount --fork sh throwaway-root.sh STATE_DIR boot                boot it with systemd-nspawn
#
# What is written lands in STATE_DIR/upper, kept for the test to inspect. STATE_DIR must be on another file system
# than / (a tmpfs such as /dev/shm), or overlayfs refuses the overlapping layers. LOWER=DIR puts an earlier upper
# between the new one and / (a provisioned root shared by several tests). In a chroot /proc and /dev are the real
# ones, /sys a fresh sysfs, /run and /tmp fresh tmpfs; a boot gets a private network with only lo.
set -eu
state=$1
mode=$2
shift 2
mount --make-rprivate /
mkdir -p "$state/upper" "$state/work" "$state/root"
lower=/
if [ -n "${LOWER:-}" ]; then lower="$LOWER:/"; fi
mount -t overlay overlay -o "lowerdir=$lower,upperdir=$state/upper,workdir=$state/work" "$state/root"
root=$state/root
case "$mode" in
    chroot)
        mount -t proc proc "$root/proc"
        # A fresh sysfs: in a new network namespace its /sys/class/net shows that namespace's interfaces.
        mount -t sysfs sysfs "$root/sys"
        mount --rbind /dev "$root/dev"
        mount -t tmpfs tmpfs "$root/run"
        mount -t tmpfs tmpfs "$root/tmp"
        exec chroot "$root" "$@"
        ;;
    boot)
        # nspawn keeps state under /run and refuses to clean it up on a disk file system: give it a tmpfs. Without a
        # system bus here: --register=no --keep-unit. The guest's own machine ID is made at boot.
        mount -t tmpfs tmpfs /run
        : >"$root/etc/machine-id"
        exec systemd-nspawn --quiet --register=no --keep-unit --private-network --directory="$root" --boot
        ;;
    *)
        echo "throwaway-root.sh: mode must be chroot or boot, got $mode" >&2
        exit 2
        ;;
esac
