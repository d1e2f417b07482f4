#!/usr/bin/env bash
# Regenerates the replay test captures in this folder with real tools (run as root, from anywhere):
#   http.pcap     curl to an allowed (github.com) and a denied (example.org) HTTP host; tcpdump on an interface
#                 (Ethernet)
#   tls.pcapng    openssl s_client ClientHellos with SNI sts.eu-west-1.amazonaws.com (allowed), example.org (denied)
#                 and 203.0.113.10 (an IP literal); dumpcap (pcapng)
#   dns.pcap      dig to the VPC resolver 10.100.0.2 and to another server; tcpdump -i any (Linux cooked v2)
# The client (10.100.1.10, in HOME_NET of examples/policies/) and the servers (203.0.113.10; resolver 10.100.0.2)
# live in two network namespaces joined by a veth pair, created here and deleted on exit.
# Needs: iproute2 tcpdump tshark (dumpcap) curl openssl dnsutils dnsmasq-base python3.
# After regenerating, replay each capture and review the diff against expected-verdicts.tsv before committing it:
#   java -jar appliance/target/appliance.jar replay --policy examples/policies/egress-strict-allowlist.json \
#        --verdicts - appliance/src/test/resources/pcap/http.pcap
set -euo pipefail
cd "$(dirname "$0")"
OUT="$PWD"

CLIENT_NS="replay-client-$$"
SERVER_NS="replay-server-$$"
WORK="$(mktemp -d)"
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  ip netns del "$CLIENT_NS" 2>/dev/null || true
  ip netns del "$SERVER_NS" 2>/dev/null || true
  cat "$WORK/capture.log" >&2 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

c() { ip netns exec "$CLIENT_NS" "$@"; }
s() { ip netns exec "$SERVER_NS" "$@"; }

ip netns add "$CLIENT_NS"
ip netns add "$SERVER_NS"
ip link add veth-c netns "$CLIENT_NS" address 02:00:00:00:01:0a type veth \
  peer name veth-s netns "$SERVER_NS" address 02:00:00:00:02:0a
c ip link set lo up
s ip link set lo up
c ip addr add 10.100.1.10/32 dev veth-c
s ip addr add 203.0.113.10/32 dev veth-s
s ip addr add 10.100.0.2/32 dev veth-s
# Checksums computed in software, so the captures carry real checksums rather than offload placeholders.
c ethtool -K veth-c tx off rx off >/dev/null 2>&1 || true
s ethtool -K veth-s tx off rx off >/dev/null 2>&1 || true
c ip link set veth-c up
s ip link set veth-s up
c ip route add 203.0.113.10/32 dev veth-c
c ip route add 10.100.0.2/32 dev veth-c
s ip route add 10.100.1.10/32 dev veth-s

# Servers: HTTP on 203.0.113.10:80, TLS on :443, DNS on the resolver and on 203.0.113.10.
mkdir -p "$WORK/www"
echo "hello from the replay test server" > "$WORK/www/index.html"
s python3 -m http.server 80 --bind 203.0.113.10 --directory "$WORK/www" >/dev/null 2>&1 &
PIDS+=($!)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=replay-test" \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" >/dev/null 2>&1
s openssl s_server -quiet -accept 203.0.113.10:443 -cert "$WORK/cert.pem" -key "$WORK/key.pem" -www \
  >/dev/null 2>&1 &
PIDS+=($!)
s dnsmasq -C /dev/null --no-daemon --no-resolv --no-hosts --user=root --bind-interfaces \
  --listen-address=10.100.0.2 --listen-address=203.0.113.10 --address=/github.com/203.0.113.10 \
  --pid-file="$WORK/dnsmasq.pid" >/dev/null 2>&1 &
PIDS+=($!)
sleep 1

capture_start() { # the capture command, run in the client namespace; ip netns exec execs it, so $! is its pid
  ip netns exec "$CLIENT_NS" "$@" >>"$WORK/capture.log" 2>&1 &
  CAPTURE=$!
  sleep 1
}
capture_stop() {
  sleep 1 # let the capture read the last frames from its ring before it stops
  # SIGTERM, not SIGINT: a non-interactive shell starts background jobs with SIGINT ignored.
  kill -TERM "$CAPTURE"
  wait "$CAPTURE" 2>/dev/null || true
}

# 1. HTTP: an allowed and a denied Host (Ethernet frames, pcap).
capture_start tcpdump -i veth-c -s 0 -U --immediate-mode -Z root -w "$OUT/http.pcap" 'tcp port 80'
c curl -s -o /dev/null --resolve github.com:80:203.0.113.10 http://github.com/
c curl -s -o /dev/null --max-time 3 --resolve example.org:80:203.0.113.10 http://example.org/
capture_stop

# 2. TLS ClientHellos (pcapng written by dumpcap).
capture_start dumpcap -q -i veth-c -f 'tcp port 443' -w "$OUT/tls.pcapng"
for sni in sts.eu-west-1.amazonaws.com example.org 203.0.113.10; do
  c openssl s_client -connect 203.0.113.10:443 -servername "$sni" -brief </dev/null >/dev/null 2>&1 || true
done
capture_stop

# 3. DNS over UDP, captured on all interfaces (Linux cooked capture).
capture_start tcpdump -i any -s 0 -U --immediate-mode -Z root -w "$OUT/dns.pcap" 'udp port 53'
c dig +tries=1 +time=2 @10.100.0.2 github.com A >/dev/null
c dig +tries=1 +time=2 @203.0.113.10 github.com A >/dev/null
capture_stop

chmod 644 "$OUT"/http.pcap "$OUT"/tls.pcapng "$OUT"/dns.pcap
for f in http.pcap tls.pcapng dns.pcap; do
  echo "$f: $(tshark -r "$OUT/$f" 2>/dev/null | wc -l) packets"
done
