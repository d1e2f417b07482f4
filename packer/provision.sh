#!/bin/sh
# Installs gwlb-inspect on the system it runs on: the one provisioning step of the AMI build (appliance.pkr.hcl runs it
# as root on the build instance), and what ProvisionScriptIT runs in a throwaway root (a chroot over an overlay of the
# build machine). Downloads nothing itself: the jar and the JDK come from local paths, or the JDK from the
# distribution's package manager.
#
# Inputs (environment):
#   APPLIANCE_JAR      the shaded jar (appliance/target/appliance.jar), required
#   JDK_HOME           an installed JDK 25+ to use as is (linked as /opt/gwlb-inspect/jdk), or
#   JDK_ARCHIVE        a JDK 25+ .tar.gz to unpack into /opt/gwlb-inspect/jdk, or
#   JDK_PACKAGE        a package to install with dnf/yum/apt-get (java-25-amazon-corretto-headless on Amazon Linux 2023)
#   CLOUDWATCH_AGENT_PACKAGE  optional package (amazon-cloudwatch-agent) installed, and left disabled
#   SOURCE_DIR         where packer/files, systemd/ and docs/ are (default: this script's repository); the packer
#                      template uploads a staging copy with the same layout
#   APPLIANCE_VERSION  optional, written to /opt/gwlb-inspect/VERSION
set -eu

fail() { echo "provision.sh: $*" >&2; exit 1; }
log() { echo "provision.sh: $*"; }

[ "$(id -u)" -eq 0 ] || fail "must run as root"
SOURCE_DIR=${SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
FILES="$SOURCE_DIR/packer/files"
[ -d "$FILES" ] || fail "no $FILES (set SOURCE_DIR)"
APPLIANCE_JAR=${APPLIANCE_JAR:-}
[ -f "$APPLIANCE_JAR" ] || fail "APPLIANCE_JAR must name the shaded jar (got '$APPLIANCE_JAR')"

HOME_DIR=/opt/gwlb-inspect
CONF_DIR=/etc/gwlb-inspect

install_packages() {
    if command -v dnf >/dev/null 2>&1; then
        dnf install -y "$@"
    elif command -v yum >/dev/null 2>&1; then
        yum install -y "$@"
    elif command -v apt-get >/dev/null 2>&1; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
    else
        fail "no dnf, yum or apt-get to install $*"
    fi
}

# The JDK, as /opt/gwlb-inspect/jdk; fails unless it is a JDK 25 or later.
install_jdk() {
    rm -rf "$HOME_DIR/jdk"
    if [ -n "${JDK_HOME:-}" ]; then
        [ -x "$JDK_HOME/bin/java" ] || fail "JDK_HOME=$JDK_HOME has no bin/java"
        ln -s "$JDK_HOME" "$HOME_DIR/jdk"
    elif [ -n "${JDK_ARCHIVE:-}" ]; then
        [ -f "$JDK_ARCHIVE" ] || fail "JDK_ARCHIVE=$JDK_ARCHIVE is not a file"
        mkdir -p "$HOME_DIR/jdk"
        tar -xzf "$JDK_ARCHIVE" -C "$HOME_DIR/jdk" --strip-components=1 --no-same-owner
    elif [ -n "${JDK_PACKAGE:-}" ]; then
        install_packages "$JDK_PACKAGE"
        java=$(readlink -f "$(command -v java)") || fail "$JDK_PACKAGE installed no java on the PATH"
        ln -s "$(dirname "$(dirname "$java")")" "$HOME_DIR/jdk"
    else
        fail "set one of JDK_HOME, JDK_ARCHIVE, JDK_PACKAGE"
    fi
    [ -x "$HOME_DIR/jdk/bin/java" ] || fail "$HOME_DIR/jdk/bin/java is not executable"
    version=$("$HOME_DIR/jdk/bin/java" -version 2>&1 | head -n 1)
    case "$version" in
        *'version "2'[5-9]* | *'version "'[3-9][0-9]*) log "JDK: $version" ;;
        *) fail "the appliance needs a JDK 25 or later, $HOME_DIR/jdk has: $version" ;;
    esac
}

log "user and group gwlb-inspect"
install -D -m 0644 "$FILES/sysusers.conf" /usr/lib/sysusers.d/gwlb-inspect.conf
if command -v systemd-sysusers >/dev/null 2>&1; then
    systemd-sysusers /usr/lib/sysusers.d/gwlb-inspect.conf
elif ! id gwlb-inspect >/dev/null 2>&1; then
    useradd --system --user-group --no-create-home --home-dir / --shell /usr/sbin/nologin gwlb-inspect
fi
id gwlb-inspect >/dev/null || fail "user gwlb-inspect was not created"

log "appliance in $HOME_DIR"
install -d -m 0755 "$HOME_DIR" "$HOME_DIR/bin"
install_jdk
install -m 0644 "$APPLIANCE_JAR" "$HOME_DIR/appliance.jar"
install -m 0755 "$FILES/gwlb-inspect-prestart" "$HOME_DIR/bin/gwlb-inspect-prestart"
if [ -n "${APPLIANCE_VERSION:-}" ]; then echo "$APPLIANCE_VERSION" >"$HOME_DIR/VERSION"; fi

log "configuration in $CONF_DIR"
# Readable by the service's group, writable by root only: the appliance cannot change its own policy.
install -d -m 0750 -g gwlb-inspect "$CONF_DIR"
install -m 0640 -g gwlb-inspect "$FILES/appliance.yml" "$CONF_DIR/appliance.yml"
install -m 0640 -g gwlb-inspect "$FILES/environment" "$CONF_DIR/environment"
install -m 0640 -g gwlb-inspect "$FILES/policy.json" "$CONF_DIR/policy.json"
install -m 0644 "$FILES/cloudwatch-agent.json" "$CONF_DIR/cloudwatch-agent.json"

log "kernel settings"
install -D -m 0644 "$FILES/sysctl.conf" /etc/sysctl.d/90-gwlb-inspect.conf

log "systemd unit"
install -D -m 0644 "$SOURCE_DIR/systemd/gwlb-inspect.service" /etc/systemd/system/gwlb-inspect.service
install -D -m 0644 "$SOURCE_DIR/docs/operations.md" /usr/share/doc/gwlb-inspect/operations.md
# Offline enable: works on a build instance and in a chroot alike (no running systemd needed).
systemctl enable gwlb-inspect.service

if [ -n "${CLOUDWATCH_AGENT_PACKAGE:-}" ]; then
    log "CloudWatch agent (installed, disabled: docs/operations.md says how to turn it on)"
    install_packages "$CLOUDWATCH_AGENT_PACKAGE"
    systemctl disable amazon-cloudwatch-agent.service >/dev/null 2>&1 || true
fi

log "checking the installed configuration and policy"
"$HOME_DIR/jdk/bin/java" -jar "$HOME_DIR/appliance.jar" check "$CONF_DIR/appliance.yml"
"$HOME_DIR/jdk/bin/java" -jar "$HOME_DIR/appliance.jar" check-policy "$CONF_DIR/policy.json"
log "done"
