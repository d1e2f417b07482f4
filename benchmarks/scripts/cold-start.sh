#!/usr/bin/env bash
# What GWLB's first traffic meets: starts the appliance afresh, waits for its health check to pass (as GWLB does) and
# at once plays a fixed-rate gwlb-blast run against it, with the start-up warm-up off and on, runs alternating, and
# prints loss and latency of each. The warm-up is `health.warmUpPackets` (docs/performance.md, "Cold start").
#
#   GENEVE_BENCH_DIR=../shared/tools/geneve-bench benchmarks/scripts/cold-start.sh
#
# Environment: POLICY=pass|domains-N|mixed-N (default mixed-10000), RATE=20000, SECONDS_=3, FLOWS=4096, ROUNDS=2,
# WARMUP="0 200000" (the health.warmUpPackets values compared), JVM_OPTS as ratio-matrix.sh.
# Needs root, the built jars (./mvnw -B -q -DskipTests package), curl, and geneve-bench built with make.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
bench=$(realpath "${GENEVE_BENCH_DIR:?set GENEVE_BENCH_DIR to the geneve-bench folder}")
java=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
jar=$here/appliance/target/appliance.jar
benchjar=$here/benchmarks/target/benchmarks.jar
POLICY=${POLICY:-mixed-10000}
RATE=${RATE:-20000}
SECONDS_=${SECONDS_:-3}
FLOWS=${FLOWS:-4096}
ROUNDS=${ROUNDS:-2}
WARMUP=${WARMUP:-"0 200000"}
JVM_OPTS=${JVM_OPTS:-"-Xms2g -Xmx2g -XX:+AlwaysPreTouch -XX:+UseZGC --sun-misc-unsafe-memory-access=allow"}
[ "$(id -u)" = 0 ] || { echo "needs root (raw sockets, network namespaces)" >&2; exit 2; }
[ -x "$bench/gwlb-blast" ] || { echo "build the harness: make -C $bench" >&2; exit 2; }
[ -f "$jar" ] && [ -f "$benchjar" ] || { echo "build first: ./mvnw -B -q -DskipTests package" >&2; exit 2; }
ns=cold$$
work=$(mktemp -d)
pid=""
stop() {
  [ -z "$pid" ] || { kill -TERM "$pid" 2> /dev/null || true; for _ in $(seq 1 100); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done; }
  local q; for q in $(ip netns pids "$ns" 2> /dev/null); do kill -KILL "$q" 2> /dev/null || true; done
  pid=""
}
cleanup() { stop; ip netns del "$ns" 2> /dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$ns"
ip -n "$ns" link set lo up
policy=""
if [ "$POLICY" != pass ]; then
  policy=$work/$POLICY.json
  "$java" -cp "$benchjar" org.gwlbinspect.benchmarks.policy.BenchmarkPolicies "${POLICY%-*}" "${POLICY#*-}" "$policy" > /dev/null
fi
printf '%-34s %9s %9s %7s %8s %8s %9s\n' "run" "sent" "matched" "lost%" "p50 us" "p99 us" "p999 us"
for round in $(seq 1 "$ROUNDS"); do
  for packets in $WARMUP; do
    stop
    ip netns exec "$ns" sh -c "exec \"$java\" $JVM_OPTS -Dio.netty.leakDetection.level=disabled -Ddw.policy.path=\"$policy\" \
      -Ddw.policy.watch=false -Ddw.dataPlane.workers=1 -Ddw.health.warmUpPackets=$packets \
      -Ddw.logs.alertFile=\"$work/alert.json\" -Ddw.logs.flowFile=\"$work/flow.json\" \
      -jar \"$jar\" server \"$here/examples/local.yml\"" > "$work/appliance.log" 2>&1 &
    pid=$!
    t0=$(date +%s%N)
    for _ in $(seq 1 1500); do
      ip netns exec "$ns" curl -sf http://127.0.0.1:8080/health > /dev/null 2>&1 && break
      kill -0 "$pid" 2> /dev/null || { echo "the appliance exited:" >&2; tail -20 "$work/appliance.log" >&2; exit 1; }
      sleep 0.02
    done
    healthy_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    line=$(ip netns exec "$ns" "$bench/gwlb-blast" -t 127.0.0.1 -f "$FLOWS" -l 64 -d "$SECONDS_" -r "$RATE" --json -q 2> /dev/null | grep '^{' | tail -1) || true
    get() { echo "$line" | grep -o "\"$1\":[0-9.]*" | head -1 | cut -d: -f2; }
    us() { local v; v=$(get "$1"); [ -z "$v" ] && echo "-" || echo $(( v / 1000 )); }
    printf '%-34s %9s %9s %7s %8s %8s %9s\n' "warm-up $packets, healthy at ${healthy_ms} ms" "$(get sent)" "$(get matched)" \
      "$(get loss_pct)" "$(us p50)" "$(us p99)" "$(us p999)"
  done
done
