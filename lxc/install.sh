#!/bin/bash
# Install or update ARRA-MQ inside a Debian 13 container (or any systemd Debian host). Idempotent:
# running it again with the same bundle changes nothing and restarts nothing.
#
# Usage: install.sh [--from DIR] [--with-nanomq] [--with-mosquitto]
#   --from DIR        an unpacked bundle from lxc/bundle.sh (default: the folder above this script)
#   --with-nanomq     also write /etc/arra-mq/adapters/nanomq.conf pointing at this verifier
#   --with-mosquitto  also write /etc/arra-mq/adapters/mosquitto.conf (mosquitto-go-auth) likewise
# Read only when /etc/arra-mq/env is first created: ARRA_HTTP_PORT, ARRA_MQTT_PORT, ARRA_BIND.
# ARRA_HEALTH_TIMEOUT: seconds to wait for /healthz (default 60). A new release that does not answer
# in time is rolled back: `current` points at the previous release again and both services restart.
#
# Layout: /opt/arra-mq/releases/<version>-<hash> (read-only code), /opt/arra-mq/current -> the live one,
# /etc/arra-mq/env (config, kept), /var/lib/arra-mq (data and secrets, kept), units arra-mq-{verifier,broker}.
set -euo pipefail

readonly APP_USER=arra-mq
readonly OPT_DIR=/opt/arra-mq
readonly ETC_DIR=/etc/arra-mq
readonly DATA_DIR=/var/lib/arra-mq
readonly UNITS=(arra-mq-verifier.service arra-mq-broker.service)
readonly KEEP_RELEASES=3
health_timeout_s=${ARRA_HEALTH_TIMEOUT:-60}
# The units run this one: Debian's package, whatever else may be on PATH.
readonly NODE=/usr/bin/node

from_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
adapters=()
# Set by the steps below; any of them means the running services are stale and must restart.
restart_needed=false
# The release `current` pointed at before this run switched it (empty: no switch); the rollback target.
previous_release=

log() { printf 'install.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

parse_args() {
  while [ $# -gt 0 ]; do
    case $1 in
      --from) from_dir=${2:?--from needs a directory}; shift 2 ;;
      --with-nanomq) adapters+=(nanomq); shift ;;
      --with-mosquitto) adapters+=(mosquitto); shift ;;
      -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
      *) die "unknown argument: $1 (see --help)" ;;
    esac
  done
  [ "$(id -u)" -eq 0 ] || die "must run as root"
  [ -f "$from_dir/RELEASE" ] || die "$from_dir is not an unpacked ARRA-MQ bundle (no RELEASE file)"
}

# Debian's nodejs only: Debian's npm would pull in hundreds of packages, and the bundle already carries
# its production node_modules.
ensure_node() {
  if [ ! -x "$NODE" ]; then
    log "installing nodejs from Debian"
    # Right after the container boots its network may still be coming up (DHCP): retry a few times.
    local try
    for try in 1 2 3 4 5; do
      DEBIAN_FRONTEND=noninteractive apt-get update -qq && break
      [ "$try" -lt 5 ] || die "apt-get update failed 5 times: no network or no Debian mirror reachable"
      sleep 5
    done
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs >/dev/null
  fi
  local want have
  want=$(sed -n 's/^NODE_ABI=//p' "$from_dir/RELEASE")
  have=$("$NODE" -p process.versions.modules)
  # better-sqlite3 is a native module: a different ABI would fail at the first require, so stop here.
  [ "$want" = "$have" ] || die "bundle needs Node ABI $want (Node 20.x), $NODE $("$NODE" -v) has ABI $have"
}

ensure_user() {
  getent group "$APP_USER" >/dev/null || groupadd --system "$APP_USER"
  getent passwd "$APP_USER" >/dev/null ||
    useradd --system --gid "$APP_USER" --home-dir "$DATA_DIR" --no-create-home --shell /usr/sbin/nologin "$APP_USER"
  install -d -m 0750 -o "$APP_USER" -g "$APP_USER" "$DATA_DIR"
}

# Copies the bundle into its versioned directory (once) and points `current` at it atomically.
install_release() {
  local version hash name target
  version=$(sed -n 's/^ARRA_VERSION=//p' "$from_dir/RELEASE")
  hash=$(sed -n 's/^ARRA_HASH=//p' "$from_dir/RELEASE")
  name="$version-$hash"
  target="$OPT_DIR/releases/$name"
  if [ ! -d "$target" ]; then
    log "installing release $name"
    install -d -m 0755 "$OPT_DIR/releases"
    rm -rf "$target.part"
    cp -a "$from_dir" "$target.part"
    chown -R root:root "$target.part"
    chmod -R go-w,a+rX "$target.part"
    mv "$target.part" "$target"
  fi
  if [ "$(readlink "$OPT_DIR/current" 2>/dev/null)" != "releases/$name" ]; then
    previous_release=$(readlink "$OPT_DIR/current" 2>/dev/null || true)
    point_current_at "releases/$name"
    restart_needed=true
    log "current release is now $name"
  fi
  ln -sfn "$OPT_DIR/current/bin/arra-mq.js" /usr/local/bin/arra-mq
}

# Atomic: a service (re)starting meanwhile sees either the old or the new release, never neither.
point_current_at() {
  ln -sfn "$1" "$OPT_DIR/current.new"
  mv -T "$OPT_DIR/current.new" "$OPT_DIR/current"
}

# Keeps the newest releases for a quick rollback (re-point `current`, restart); never the live one.
prune_releases() {
  local live old
  live=$(readlink -f "$OPT_DIR/current")
  while IFS= read -r old; do
    [ "$(readlink -f "$old")" = "$live" ] || { log "removing old release ${old##*/}"; rm -rf "$old"; }
  done < <(find "$OPT_DIR/releases" -mindepth 1 -maxdepth 1 -type d ! -name '*.part' -printf '%T@ %p\n' |
    sort -rn | tail -n +$((KEEP_RELEASES + 1)) | cut -d' ' -f2-)
}

# Sets KEY=VALUE in an env file, replacing the line if present.
set_env_key() {
  local file=$1 key=$2 value=$3
  if grep -q "^$key=" "$file"; then sed -i "s|^$key=.*|$key=$value|" "$file"; else printf '%s=%s\n' "$key" "$value" >>"$file"; fi
}

ensure_config() {
  install -d -m 0755 "$ETC_DIR"
  if [ -f "$ETC_DIR/env" ]; then
    warn_if_ignored ARRA_HTTP_PORT ARRA_MQTT_PORT ARRA_BIND
    return 0
  fi
  log "writing $ETC_DIR/env"
  local http_port=${ARRA_HTTP_PORT:-8080}
  install -m 0640 -o root -g "$APP_USER" "$from_dir/lxc/env.example" "$ETC_DIR/env.part"
  set_env_key "$ETC_DIR/env.part" ARRA_HTTP_PORT "$http_port"
  set_env_key "$ETC_DIR/env.part" ARRA_MQTT_PORT "${ARRA_MQTT_PORT:-1883}"
  set_env_key "$ETC_DIR/env.part" ARRA_BIND "${ARRA_BIND:-127.0.0.1}"
  set_env_key "$ETC_DIR/env.part" ARRA_VERIFIER_URL "http://$(loopback_for "${ARRA_BIND:-127.0.0.1}"):$http_port"
  mv "$ETC_DIR/env.part" "$ETC_DIR/env"
  restart_needed=true
}

# The config is kept on updates, so a port or address passed now would silently not apply: say so.
warn_if_ignored() {
  local key given kept
  for key in "$@"; do
    given=${!key:-}
    kept=$(sed -n "s/^$key=//p" "$ETC_DIR/env")
    [ -z "$given" ] || [ "$given" = "$kept" ] ||
      log "keeping $key=$kept from $ETC_DIR/env (given: $given); edit that file to change it"
  done
}

# The address to reach a listener bound to $1 from inside the container.
loopback_for() {
  case $1 in 0.0.0.0) echo 127.0.0.1 ;; ::) echo '[::1]' ;; *:*) echo "[$1]" ;; *) echo "$1" ;; esac
}

# Generated here rather than by the verifier at first start, so the broker (which reads webhook-secret)
# never races the verifier for it. Same format as the verifier's own: 32 random bytes, base64url.
ensure_secret() {
  local path="$DATA_DIR/$1"
  [ -s "$path" ] && return 0
  log "generating $path"
  (umask 077 && "$NODE" -e 'process.stdout.write(require("node:crypto").randomBytes(32).toString("base64url") + "\n")' >"$path.part")
  chown "$APP_USER:$APP_USER" "$path.part"
  mv "$path.part" "$path"
}

install_units() {
  local unit
  for unit in "${UNITS[@]}"; do
    if ! cmp -s "$from_dir/lxc/units/$unit" "/etc/systemd/system/$unit"; then
      install -m 0644 "$from_dir/lxc/units/$unit" "/etc/systemd/system/$unit"
      restart_needed=true
      log "installed unit $unit"
    fi
  done
  systemctl daemon-reload
  systemctl enable --quiet "${UNITS[@]}"
}

# Renders a broker-adapters config for a NanoMQ or mosquitto-go-auth in this container: this verifier's
# address and webhook secret replace the shipped defaults (127.0.0.1:8080, CHANGE-ME). go-auth cannot
# send headers, so its secret-in-URI form is switched on. The file holds the secret: 0640 root:arra-mq,
# and its content is never printed.
install_adapter_config() {
  local name=$1 src url hostport secret out
  case $name in
    nanomq) src=$from_dir/broker-adapters/nanomq/nanomq.conf ;;
    mosquitto) src=$from_dir/broker-adapters/mosquitto-go-auth/go-auth.conf ;;
  esac
  [ -f "$src" ] || die "--with-$name: the bundle has no ${src#"$from_dir"/}"
  url=$(sed -n 's/^ARRA_VERIFIER_URL=//p' "$ETC_DIR/env")
  hostport=${url#http://}
  secret=$(cat "$DATA_DIR/webhook-secret")
  out="$ETC_DIR/adapters/$name.conf"
  install -d -m 0750 -o root -g "$APP_USER" "$ETC_DIR/adapters"
  (umask 027 && sed -E \
    -e "s|http://127\.0\.0\.1:8080|$url|g" \
    -e "s|^auth_opt_http_host .*|auth_opt_http_host ${hostport%:*}|" \
    -e "s|^auth_opt_http_port .*|auth_opt_http_port ${hostport##*:}|" \
    -e '/^auth_opt_http_(getuser|superuser|aclcheck)_uri [^?]*$/d' \
    -e 's|^# (auth_opt_http_[a-z]+_uri .*\?secret=)|\1|' \
    -e "/^[[:space:]]*#/!s|CHANGE-ME|$secret|g" \
    "$src" >"$out.part")
  chgrp "$APP_USER" "$out.part"
  mv "$out.part" "$out"
  log "wrote $out (verifier $url); include it in the $name configuration"
}

start_services() {
  if $restart_needed; then
    log "restarting ${UNITS[*]}"
    systemctl restart "${UNITS[@]}"
  else
    # Unchanged release, units and config: start only what is not running, restart nothing.
    systemctl start "${UNITS[@]}"
  fi
}

health_url() {
  local env="$ETC_DIR/env"
  printf 'http://%s:%s/healthz' "$(loopback_for "$(sed -n 's/^ARRA_BIND=//p' "$env")")" "$(sed -n 's/^ARRA_HTTP_PORT=//p' "$env")"
}

# Polls /healthz until it answers 2xx or the timeout passes. curl is not in a minimal Debian; Node
# is, and its fetch is enough for one GET.
healthy_within() {
  "$NODE" -e '
    const [url, seconds] = process.argv.slice(1);
    const deadline = Date.now() + Number(seconds) * 1000;
    (async () => {
      for (;;) {
        try { if ((await fetch(url, { signal: AbortSignal.timeout(2000) })).ok) return; } catch {}
        if (Date.now() > deadline) process.exit(1);
        await new Promise((r) => setTimeout(r, 500));
      }
    })();' "$(health_url)" "$1"
}

wait_for_health() {
  if healthy_within "$health_timeout_s" && systemctl is-active --quiet "${UNITS[@]}"; then return 0; fi
  systemctl --no-pager --lines=20 status "${UNITS[@]}" >&2 || true
  local failed
  failed=$(readlink "$OPT_DIR/current")
  [ -n "$previous_release" ] || die "$(health_url) did not answer within ${health_timeout_s}s (units: $(systemctl is-active "${UNITS[@]}" | tr '\n' ' '))"
  log "${failed#releases/} did not answer $(health_url) within ${health_timeout_s}s: rolling back to ${previous_release#releases/}"
  point_current_at "$previous_release"
  systemctl restart "${UNITS[@]}"
  healthy_within "$health_timeout_s" || die "the rollback to ${previous_release#releases/} does not answer either"
  die "release ${failed#releases/} failed its health check; rolled back to ${previous_release#releases/}, which is running (the failed release stays in $OPT_DIR/releases for inspection)"
}

print_summary() {
  local env="$ETC_DIR/env" host bind
  bind=$(sed -n 's/^ARRA_BIND=//p' "$env")
  host=$(loopback_for "$bind")
  [ "$host" = 127.0.0.1 ] && [ "$bind" != 127.0.0.1 ] && host=$(hostname -I 2>/dev/null | cut -d' ' -f1)
  cat <<SUMMARY
ARRA-MQ $(readlink "$OPT_DIR/current" | sed 's|releases/||') is running.
  HTTP (verifier): http://$host:$(sed -n 's/^ARRA_HTTP_PORT=//p' "$env")  (GET /healthz)
  MQTT (broker):   mqtt://$host:$(sed -n 's/^ARRA_MQTT_PORT=//p' "$env")
  Admin token:     $DATA_DIR/admin-token (root and $APP_USER only)
  Config:          $env
  CLI:             arra-mq --url http://$host:$(sed -n 's/^ARRA_HTTP_PORT=//p' "$env") --token "\$(cat $DATA_DIR/admin-token)" device list
SUMMARY
}

main() {
  parse_args "$@"
  ensure_node
  ensure_user
  install_release
  ensure_config
  ensure_secret admin-token
  ensure_secret webhook-secret
  install_units
  local name
  for name in "${adapters[@]}"; do install_adapter_config "$name"; done
  start_services
  wait_for_health
  prune_releases
  print_summary
}

main "$@"
