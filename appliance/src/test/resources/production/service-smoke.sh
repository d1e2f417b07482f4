#!/bin/sh
# Runs inside the booted throwaway root (ProvisionScriptIT) once gwlb-inspect.service has started, i.e. has sent
# READY=1 or failed. Writes KEY=VALUE lines to /var/tmp/smoke/result for the test, then powers the guest off.
out=/var/tmp/smoke
mkdir -p "$out"
result="$out/result"
show() { systemctl show gwlb-inspect.service -p "$1" --value; }
{
    echo "started.ActiveState=$(show ActiveState)"
    echo "started.StatusText=$(show StatusText)"
    echo "health=$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1/health)"
    echo "metrics.healthy=$(curl -s http://127.0.0.1:8081/metrics | grep '^appliance_healthy ')"
    pid=$(show MainPID)
    echo "process.user=$(stat -c %U "/proc/$pid")"
    grep -E '^(CapEff|CapPrm|CapBnd|CapAmb|NoNewPrivs|Seccomp):' "/proc/$pid/status" | sed 's/:[[:space:]]*/=/; s/^/process./'
    systemctl reload gwlb-inspect.service
    echo "reload.exit=$?"
    sleep 1
    systemctl stop gwlb-inspect.service
    echo "stop.exit=$?"
    echo "stopped.ActiveState=$(show ActiveState)"
    echo "stopped.Result=$(show Result)"
    echo "stopped.ExecMainStatus=$(show ExecMainStatus)"
    echo "logs.owner=$(stat -c %U:%G /var/log/gwlb-inspect/flow.json)"
} >"$result" 2>&1
journalctl -b -u gwlb-inspect.service --no-pager -o cat >"$out/journal" 2>&1
systemctl poweroff
