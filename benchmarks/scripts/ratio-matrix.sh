#!/usr/bin/env bash
# Measures the appliance against the machine's own limit in one sitting, over the matrix of issue #6, and prints the
# ratio table: workers x inner payload x flows x policy, each appliance run next to a geneve-reflect baseline run with
# the same thread count, payload and flows, measured minutes apart in the same sitting; then fixed-rate latency and
# flow-setup rows.
#
# Both are driven by gwlb-blast (it checks every reply byte for byte) from the team's geneve-bench harness, an external
# tool that is not part of this repository: point GENEVE_BENCH_DIR at it (built with `make`).
#
#   GENEVE_BENCH_DIR=../shared/tools/geneve-bench benchmarks/scripts/ratio-matrix.sh
#
# Environment (defaults = the whole matrix, about 10 minutes on a quiet machine):
#   WORKERS="1 0"                 appliance workers (0 = one per core; the baseline runs as many threads)
#   PAYLOADS="64 1400"            inner payload bytes
#   FLOWS="1 4096 60000"          flows (gwlb-blast's maximum is 60 000)
#   POLICIES="pass domains-100 mixed-10000"
#                                 pass-through; a TLS_SNI + HTTP_HOST deny list of 100 domains (200 rules); 10 000
#                                 mixed IPS rules (BenchmarkPolicies: none matches, so every packet must come back)
#   DURATION=5 WINDOW=256         seconds per run; closed loop with at most WINDOW packets in flight (steady on a
#                                 2-core machine shared by generator and appliance; max-rate runs vary up to 2x)
#   MATRIX=1                      0 = skip the closed-loop cells: only the latency (and setup) rows, e.g. to compare
#                                 appliance flags in JVM_OPTS (-Ddw.dataPlane.busyPollMicros=N) run after run
#   LATENCY_RATE=20000            fixed rate of the latency rows (4096 flows, 64 B, 1 worker); 0 = skip them
#   LATENCY_ROUNDS=3              latency rounds per policy, each a geneve-reflect run then an appliance run, back to
#                                 back: geneve-reflect's own p99 moves 10x from minute to minute on a shared host, so
#                                 each appliance run is compared with the baseline run just before it, and the table
#                                 gives the median of the rounds (geneve-reflect runs in a second namespace meanwhile)
#   SETUP=1                       flow-setup rows (1 worker): 60 000 packets, each the first of a new flow, right
#                                 after warm-up; the setup rate is compared with the same appliance's 60 000-flow pps
#   JVM_OPTS="..."                the appliance's JVM flags; default a 1 GiB heap, not pre-touched, generational ZGC,
#                                 Netty allowed to use sun.misc.Unsafe (as the systemd unit):
#                                 a pre-touched 2 GiB heap made p99 at 20 kpps 10-100x worse on this VM
#                                 (docs/performance.md, "Tail latency and the heap's resident size")
#   OUT=FILE                      also append every run's JSON line (with its label) to FILE
# Needs root (raw sockets, a network namespace), curl, python3, the built jars (./mvnw -B -q -DskipTests package).
#
# The appliance is started once per (workers, policy) in a fresh network namespace on loopback (as run-pair.sh's lo-ns
# mode), warmed for 4 s with IPv6 flows (the JVM's first seconds run at half speed; IPv6 keys, so the measured IPv4
# flows are new to its flow table), then measured run after run; CPU per packet is its utime + stime over each run
# divided by the replies that matched.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
bench=${GENEVE_BENCH_DIR:?set GENEVE_BENCH_DIR to the geneve-bench folder (gwlb-blast, geneve-reflect)}
bench=$(realpath "$bench")
java=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
jar=$here/appliance/target/appliance.jar
benchjar=$here/benchmarks/target/benchmarks.jar
WORKERS=${WORKERS:-"1 0"}
PAYLOADS=${PAYLOADS:-"64 1400"}
FLOWS=${FLOWS:-"1 4096 60000"}
POLICIES=${POLICIES:-"pass domains-100 mixed-10000"}
DURATION=${DURATION:-5}
WINDOW=${WINDOW:-256}
LATENCY_RATE=${LATENCY_RATE:-20000}
SETUP=${SETUP:-1}
MATRIX=${MATRIX:-1}
JVM_OPTS=${JVM_OPTS:-"-Xms1g -Xmx1g -XX:+UseZGC --sun-misc-unsafe-memory-access=allow"}
[ "$(id -u)" = 0 ] || { echo "needs root (raw sockets, network namespaces)" >&2; exit 2; }
[ -x "$bench/gwlb-blast" ] && [ -x "$bench/geneve-reflect" ] || { echo "build the harness: make -C $bench" >&2; exit 2; }
[ -f "$jar" ] && [ -f "$benchjar" ] || { echo "build first: ./mvnw -B -q -DskipTests package" >&2; exit 2; }
for tool in curl python3; do command -v $tool > /dev/null || { echo "apt-get install -y $tool" >&2; exit 2; }; done
cores=$(nproc)
hz=$(getconf CLK_TCK)
ns=ratio$$
ns_reflect=ratio$$-reflect
work=$(mktemp -d)
results=$work/results.jsonl
pid=""

stop() {
  [ -z "$pid" ] || { kill -TERM "$pid" 2> /dev/null || true; for _ in $(seq 1 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done; }
  local q
  for q in $(ip netns pids "$ns" 2> /dev/null); do kill -KILL "$q" 2> /dev/null || true; done
  pid=""
}
stop_latency_reflect() {
  local q
  for q in $(ip netns pids "$ns_reflect" 2> /dev/null); do kill -KILL "$q" 2> /dev/null || true; done
}
cleanup() { stop; stop_latency_reflect; ip netns del "$ns" 2> /dev/null || true; ip netns del "$ns_reflect" 2> /dev/null || true; [ -n "${KEEP:-}" ] && cp "$results" "$KEEP"; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$ns"
ip -n "$ns" link set lo up
ip netns add "$ns_reflect"
ip -n "$ns_reflect" link set lo up
in_ns() { ip netns exec "$ns" "$@"; }

for p in $POLICIES; do
  case $p in
    pass) ;;
    domains-[0-9]* | mixed-[0-9]*) "$java" -cp "$benchjar" org.gwlbinspect.benchmarks.policy.BenchmarkPolicies \
        "${p%-*}" "${p#*-}" "$work/$p.json" > /dev/null ;;
    *) echo "unknown policy $p (pass, domains-N, mixed-N)" >&2; exit 2 ;;
  esac
done

cpu_ticks() { local f; f=$(cat "/proc/$pid/stat" 2> /dev/null) || { echo 0; return; }; f=${f##*) }; set -- $f; echo $(( ${12} + ${13} )); }

start_reflect() { # threads
  stop
  ip netns exec "$ns" "$bench/geneve-reflect" -b 127.0.0.1 -T "$1" > "$work/reflect.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 50); do in_ns ss -Hlun 'sport = :6081' | grep -q . && return 0; sleep 0.1; done
  echo "geneve-reflect did not start: $(cat "$work/reflect.log")" >&2; exit 1
}

start_appliance() { # workers policy
  stop
  local policy=""
  [ "$2" = pass ] || policy=$work/$2.json
  # not through in_ns (a function runs in a subshell when put in the background) and with exec: $pid is the JVM
  # itself, whose CPU time is measured
  ip netns exec "$ns" sh -c "exec \"$java\" $JVM_OPTS -Dio.netty.leakDetection.level=disabled -Ddw.policy.path=\"$policy\" \
    -Ddw.policy.watch=false -Ddw.dataPlane.workers=$1 -Ddw.flows.capacity=1048576 \
    -Ddw.logs.alertFile=\"$work/alert.json\" -Ddw.logs.flowFile=\"$work/flow.json\" \
    -jar \"$jar\" server \"$here/examples/local.yml\"" > "$work/appliance.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do
    in_ns curl -sf http://127.0.0.1:8080/health > /dev/null 2>&1 && break
    kill -0 "$pid" 2> /dev/null || { echo "the appliance exited:" >&2; tail -20 "$work/appliance.log" >&2; exit 1; }
    sleep 0.2
  done
  in_ns "$bench/gwlb-blast" -t 127.0.0.1 -6 -f 4096 -d 4 -w "$WINDOW" -q > /dev/null 2>&1 || true
}

# the latency rounds' baseline: one geneve-reflect thread in its own namespace, alive beside the appliance
start_latency_reflect() {
  ip netns exec "$ns_reflect" "$bench/geneve-reflect" -b 127.0.0.1 -T 1 > "$work/reflect-latency.log" 2>&1 &
  disown # killed by stop_latency_reflect, without the shell's "Killed" notice
  for _ in $(seq 1 50); do ip netns exec "$ns_reflect" ss -Hlun 'sport = :6081' | grep -q . && return 0; sleep 0.1; done
  echo "geneve-reflect did not start: $(cat "$work/reflect-latency.log")" >&2; exit 1
}

run() { # label blast-options... (RUN_NS: the namespace gwlb-blast runs in, default the appliance's)
  local label=$1; shift
  local c0 c1 line
  c0=$(cpu_ticks)
  line=$(ip netns exec "${RUN_NS:-$ns}" "$bench/gwlb-blast" -t 127.0.0.1 "$@" --json -q 2> "$work/blast.err" | grep '^{' | tail -1) || true
  c1=$(cpu_ticks)
  [ -n "$line" ] || { line='{"error":"no result"}'; echo "  $label: no result: $(tail -3 "$work/blast.err")" >&2; }
  line="{\"label\":\"$label\",\"appliance_cpu_s\":$(awk -v a="$c0" -v b="$c1" -v hz="$hz" 'BEGIN{printf "%.2f", (b-a)/hz}'),${line#\{}"
  echo "$line" >> "$results"
  [ -z "${OUT:-}" ] || echo "$line" >> "$OUT"
  echo "  $label: $(echo "$line" | grep -o '"rx_pps":[0-9]*\|"mismatched":[0-9]*\|"loss_pct":[0-9.]*' | tr '\n' ' ')" >&2
}

threads() { [ "$1" = 0 ] && echo "$cores" || echo "$1"; }
matrix() { # label-prefix
  for size in $PAYLOADS; do
    for flows in $FLOWS; do run "$1 l$size f$flows" -f "$flows" -l "$size" -d "$DURATION" -w "$WINDOW"; done
  done
}

for w in $WORKERS; do
  if [ "$MATRIX" != 0 ]; then
    start_reflect "$(threads "$w")"
    matrix "reflect w$w"
  fi
  for p in $POLICIES; do
    start_appliance "$w" "$p"
    [ "$SETUP" != 1 ] || [ "$w" != 1 ] || run "setup appliance $p" -f 60000 -l 64 -n 60000 -w "$WINDOW"
    [ "$MATRIX" = 0 ] || matrix "appliance w$w $p"
    if [ "$LATENCY_RATE" != 0 ] && [ "$w" = 1 ]; then
      start_latency_reflect
      for round in $(seq 1 "${LATENCY_ROUNDS:-3}"); do
        RUN_NS=$ns_reflect run "latency reflect $p $round" -f 4096 -l 64 -d "$DURATION" -r "$LATENCY_RATE"
        run "latency appliance $p $round" -f 4096 -l 64 -d "$DURATION" -r "$LATENCY_RATE"
      done
      stop_latency_reflect
    fi
  done
done
stop

python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {r["label"]: r for r in rows}
def us(r): return r["appliance_cpu_s"] / max(1, r.get("matched", 0)) * 1e6
def bad(*rs): return any("error" in r for r in rs)
print(f'{"run (w = workers, l = payload B, f = flows)":<40} {"reflect_pps":>11} {"appl_pps":>9} {"ratio":>6} {"cpu_us/pkt r -> a":>17} {"cpu_x":>6} {"lost%":>6} mismatched')
for r in rows:
    lab = r["label"]
    if not lab.startswith("appliance w"): continue
    _, w, policy, l, f = lab.split(" ")
    base = by.get(f"reflect {w} {l} {f}", {"error": 1})
    if bad(r, base): print(f"{lab:<40} no result"); continue
    print(f'{w + " " + l + " " + f + " " + policy:<40} {base["rx_pps"]:>11} {r["rx_pps"]:>9} '
          f'{r["rx_pps"] / max(1, base["rx_pps"]):>6.2f} {us(base):>7.2f} -> {us(r):>6.2f} '
          f'{us(r) / max(1e-9, us(base)):>6.2f} {r["loss_pct"]:>6.2f} {base["mismatched"]}/{r["mismatched"]}')
lat = [r for r in rows if r["label"].startswith("latency appliance ")]
if lat:
    import statistics
    print(f'\n{"fixed rate, 4096 flows, 64 B, 1 worker":<40} {"pps":>9} {"p50 us":>8} {"p99 us":>8} {"p999 us":>8} {"p99 / reflect":>13} {"lost%":>6} mismatched')
    ratios = {}
    for r in lat:
        _, _, policy, rnd = r["label"].split(" ")
        base = by.get(f"latency reflect {policy} {rnd}", {"error": 1})
        for who, x in (("  reflect", base), ("  appliance", r)):
            if bad(x): print(f'{who + " " + policy + " round " + rnd:<40} no result'); continue
            l = x["latency_ns"]
            ratio = l["p99"] / max(1, base["latency_ns"]["p99"]) if not bad(base) else float("nan")
            if x is r and not bad(base): ratios.setdefault(policy, []).append(ratio)
            print(f'{who + " " + policy + " round " + rnd:<40} {x["rx_pps"]:>9} {l["p50"]/1e3:>8.0f} {l["p99"]/1e3:>8.0f} '
                  f'{l["p999"]/1e3:>8.0f} {ratio:>13.2f} {x["loss_pct"]:>6.2f} {x["mismatched"]}')
    for policy, rs in ratios.items():
        print(f'{"median p99 / reflect, " + policy:<40} {statistics.median(rs):>54.2f}  (rounds: {min(rs):.2f}-{max(rs):.2f})')
setup = [r for r in rows if r["label"].startswith("setup ")]
if setup:
    print(f'\n{"flow setup, 60 000 new flows, 1 worker":<40} {"setups/s":>9} {"pps @60k":>9} {"ratio":>6} {"lost%":>6} mismatched')
    for r in setup:
        policy = r["label"].split(" ")[-1]
        est = by.get(f"appliance w1 {policy} l64 f60000", {"error": 1})
        if bad(r, est): print(f'{r["label"]:<40} no result'); continue
        print(f'{r["label"]:<40} {r["rx_pps"]:>9} {est["rx_pps"]:>9} {r["rx_pps"] / max(1, est["rx_pps"]):>6.2f} '
              f'{r["loss_pct"]:>6.2f} {r["mismatched"]}')
PY
