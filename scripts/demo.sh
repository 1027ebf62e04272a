#!/usr/bin/env bash
# The ARRA-MQ demo: starts the whole system (verifier + bundled broker, one process) on free ports with
# a throw-away data directory, provisions two devices with the CLI (one JWT, one X.509 certificate the
# verifier issues), adds ACL rules, and shows with Debian's mosquitto_pub / mosquitto_sub:
#   1. an allowed publish delivered, 2. a denied subscribe refused, 3. a wrong password refused,
#   4. a revoked device disconnected.
# Every step prints what it does; the script exits non-zero as soon as an expectation fails.
# Needs: node, openssl, mosquitto-clients. Run: npm run demo
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
ok() { printf '   ok: %s\n' "$*"; }
fail() { printf '   FAILED: %s\n' "$*" >&2; exit 1; }
for tool in mosquitto_pub mosquitto_sub openssl node; do
  command -v "$tool" >/dev/null || fail "$tool is missing (apt-get install mosquitto-clients openssl)"
done

healthy() { node -e 'fetch(process.argv[1]+"/healthz").then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' "$ARRA_URL"; }
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

http_port=$(free_port); mqtt_port=$(free_port); tls_port=$(free_port)
export ARRA_URL="http://127.0.0.1:$http_port"
export ARRA_DATA_DIR="$work/data"

step "Starting verifier + broker (data in $ARRA_DATA_DIR)"
# The broker's own TLS identity (server side). Device certificates come from the verifier's device CA.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=arra-demo-server-ca \
  -keyout "$work/server-ca.key" -out "$work/server-ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \
  -keyout "$work/server.key" -out "$work/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > "$work/server.ext"
openssl x509 -req -in "$work/server.csr" -CA "$work/server-ca.pem" -CAkey "$work/server-ca.key" -CAcreateserial \
  -days 1 -extfile "$work/server.ext" -out "$work/server.pem" 2>/dev/null
if [ -f dist/runtime/start.js ]; then entry=(node dist/runtime/start.js); else entry=(node --import tsx runtime/start.ts); fi
ARRA_HTTP_PORT=$http_port ARRA_MQTT_PORT=$mqtt_port ARRA_MQTT_TLS_PORT=$tls_port \
  ARRA_TLS_CERT="$work/server.pem" ARRA_TLS_KEY="$work/server.key" ARRA_LOG_LEVEL=warn \
  "${entry[@]}" >"$work/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  healthy && break
  kill -0 "${pids[0]}" 2>/dev/null || { cat "$work/server.log" >&2; fail "the server exited"; }
  sleep 0.2
done
healthy || fail "the verifier did not become healthy"
ok "verifier $ARRA_URL, MQTT 127.0.0.1:$mqtt_port, MQTT/TLS 127.0.0.1:$tls_port"

cli() { node bin/arra-mq.js "$@"; }
mqtt_tls=(-h localhost -p "$tls_port" --cafile "$work/server-ca.pem")

step "Provisioning: sensor-1 (JWT) and camera-1 (X.509 certificate issued by the verifier)"
cli device add sensor-1 >/dev/null
token=$(cli token issue sensor-1 --ttl 600)
ok "sensor-1 registered; its JWT: ${token:0:24}..."
cli device add camera-1 >/dev/null
cli cert issue camera-1 --out "$work" >/dev/null
[ -f "$work/camera-1.key.pem" ] || fail "no key written"
ok "camera-1 registered; certificate $work/camera-1.cert.pem (key 0600)"

step "ACL: every device may publish under devices/<its id>/; camera-1 may subscribe to devices/+/telemetry"
# shellcheck disable=SC2016 # ${device} is the verifier's placeholder, not a shell variable
cli acl add --all --action publish --topic 'devices/${device}/#' --allow --priority 10
cli acl add --device camera-1 --action subscribe --topic 'devices/+/telemetry' --allow --priority 10

step "1. An allowed publish is delivered (camera-1 subscribes over TLS with its certificate alone)"
mosquitto_sub "${mqtt_tls[@]}" --cert "$work/camera-1.cert.pem" --key "$work/camera-1.key.pem" -i camera-1 \
  -t 'devices/+/telemetry' -C 1 -W 10 -v >"$work/received" 2>&1 &
sub=$!
sleep 1
mosquitto_pub -p "$mqtt_port" -i sensor-1 -u sensor-1 -P "$token" -t devices/sensor-1/telemetry -m '{"t":21.5}' -q 1 \
  || fail "sensor-1 could not publish"
wait "$sub" || { cat "$work/received" >&2; fail "camera-1 did not receive the message"; }
grep -q 'devices/sensor-1/telemetry {"t":21.5}' "$work/received" || fail "unexpected delivery: $(cat "$work/received")"
ok "camera-1 received: $(cat "$work/received")"

step "2. A denied subscribe is refused (sensor-1 asks for devices/#)"
# mosquitto_sub reports the SUBACK refusal (0x87) on stderr and leaves; its exit code says nothing about it.
out=$(mosquitto_sub -p "$mqtt_port" -i sensor-1 -u sensor-1 -P "$token" -t 'devices/#' -V mqttv5 -C 1 -W 3 2>&1 || true)
echo "$out" | grep -q 'All subscription requests were denied' || fail "expected a denied subscription, got: $out"
ok "broker answered: $out"

step "3. A wrong password is refused"
if out=$(mosquitto_pub -p "$mqtt_port" -i sensor-1 -u sensor-1 -P not-the-token -t devices/sensor-1/telemetry -m x 2>&1); then
  fail "the wrong password was accepted"
fi
echo "$out" | grep -qiE 'refused|not auth|bad user' || fail "expected a refusal, got: $out"
ok "broker answered: $out"

step "4. A revoked device is disconnected (camera-1 is connected, then disabled)"
mosquitto_sub "${mqtt_tls[@]}" --cert "$work/camera-1.cert.pem" --key "$work/camera-1.key.pem" -i camera-1 \
  -t 'devices/+/telemetry' -V mqttv5 -W 30 >"$work/revoked" 2>&1 &
sub=$!
sleep 1
kill -0 "$sub" 2>/dev/null || fail "camera-1 did not stay connected: $(cat "$work/revoked")"
cli device disable camera-1 --reason "demo: stolen camera" >/dev/null
waited=0
while kill -0 "$sub" 2>/dev/null && [ "$waited" -lt 30 ]; do sleep 0.1; waited=$((waited + 1)); done
if kill -0 "$sub" 2>/dev/null; then kill "$sub"; fail "camera-1 is still connected 3 s after being disabled"; fi
wait "$sub" || true
ok "camera-1 was disconnected within $((waited * 100)) ms of being disabled"

step "Demo complete: every expectation held"
