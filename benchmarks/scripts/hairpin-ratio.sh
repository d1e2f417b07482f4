#!/usr/bin/env bash
# Measures the appliance against the machine's own limit in one sitting and prints the ratio table.
#
# Both are driven by gwlb-blast (which checks every reply byte for byte) from the team's geneve-bench harness, an
# external tool that is not part of this repository: point GENEVE_BENCH_DIR at it (built with `make`).
#   GENEVE_BENCH_DIR=../shared/tools/geneve-bench [POLICY=examples/policies/...] benchmarks/scripts/hairpin-ratio.sh \
#     [REPEAT] [-- extra gwlb-blast options]
# Needs root (raw sockets, network namespaces), a built appliance jar (./mvnw -B -q -DskipTests package) and JDK 25.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
bench=${GENEVE_BENCH_DIR:?set GENEVE_BENCH_DIR to the geneve-bench folder (gwlb-blast, geneve-reflect, run-pair.sh)}
java=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
jar=$here/appliance/target/appliance.jar
# POLICY=FILE measures the appliance enforcing that policy; unset, it runs pass-through (no policy).
policy=${POLICY:+$(realpath "$POLICY")}
repeat=${1:-3}; shift || true
[ "${1:-}" = "--" ] && shift
extra=("$@")
[ -x "$bench/gwlb-blast" ] || { echo "build the harness first: make -C $bench" >&2; exit 2; }
[ -f "$jar" ] || { echo "build the appliance first: ./mvnw -B -q -DskipTests package" >&2; exit 2; }

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
# The appliance is started, then warmed for 4 s with a separate blast (the JVM's first seconds run at half speed),
# then measured like the baseline.
cat > "$work/appliance.sh" <<APPL
#!/bin/sh
"$java" -Xms1g -Xmx1g -XX:+AlwaysPreTouch -Dio.netty.leakDetection.level=disabled -Ddw.policy.path="$policy" \
  -Ddw.logs.alertFile="$work/alert.json" -Ddw.logs.flowFile="$work/flow.json" \
  -jar "$jar" server \
  "$here/examples/local.yml" > "$work/appliance.log" 2>&1 &
sleep 7
"$bench/gwlb-blast" -t 127.0.0.1 -f 4096 -d 4 -w 256 -q > /dev/null 2>&1
wait
APPL
chmod +x "$work/appliance.sh"

blast=(-f 4096 -l 64 -d 5 -w 256 --json "${extra[@]}")
printf '%-4s %12s %12s %8s %14s %14s %8s %s\n' run reflect_pps appl_pps ratio reflect_us/pkt appl_us/pkt cpu_x mismatched
for i in $(seq 1 "$repeat"); do
  (cd "$bench" && ./run-pair.sh --mode lo-ns --settle 0.5 -- "${blast[@]}") > "$work/r.json" 2>/dev/null
  (cd "$bench" && ./run-pair.sh --mode lo-ns --settle 14 --appliance "$work/appliance.sh" -- "${blast[@]}") \
    > "$work/a.json" 2>/dev/null
  python3 - "$i" "$work/r.json" "$work/a.json" <<'PY'
import json, sys
run, r, a = sys.argv[1], *[json.loads(open(f).read().strip().splitlines()[-1]) for f in sys.argv[2:]]
rc = r["appliance_cpu_s"] / max(1, r["matched"]) * 1e6
ac = a["appliance_cpu_s"] / max(1, a["matched"]) * 1e6
print(f'{run:<4} {r["rx_pps"]:>12} {a["rx_pps"]:>12} {a["rx_pps"] / max(1, r["rx_pps"]):>8.2f} '
      f'{rc:>14.2f} {ac:>14.2f} {ac / rc:>8.2f} {r["mismatched"]}/{a["mismatched"]}')
PY
done
