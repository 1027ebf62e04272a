#!/bin/bash
# Install or update ARRA-MQ inside a Debian 13 container (or any systemd Debian host). Idempotent:
# running it again with the same bundle changes nothing and restarts nothing.
#
# Usage: install.sh [--from DIR] [--with-nanomq] [--with-mosquitto] [--database-url-file F
#                   --key-encryption-key-file F] [--webhook-secret-file F]
#   --from DIR        an unpacked bundle from lxc/bundle.sh (default: the folder above this script)
#   --with-nanomq     also write /etc/arra-mq/adapters/nanomq.conf pointing at this verifier
#   --with-mosquitto  also write /etc/arra-mq/adapters/mosquitto.conf (mosquitto-go-auth) likewise
#   --database-url-file F        the registry on PostgreSQL: F is copied to /etc/arra-mq/database-url
#                                (0640 root:arra-mq), which ARRA_DATABASE_URL_FILE in the env file names
#   --key-encryption-key-file F  copied to /var/lib/arra-mq/key-encryption-key (0600 arra-mq); a key it
#                                replaces is kept beside it as key-encryption-key.previous
#   --webhook-secret-file F      copied to /var/lib/arra-mq/webhook-secret (0600 arra-mq)
# Listeners: ARRA_MQTT_BIND, ARRA_MQTT_PORT (devices), ARRA_WEBHOOK_BIND, ARRA_HTTP_PORT (brokers),
# ARRA_ADMIN_BIND, ARRA_ADMIN_PORT (operators). Each one given replaces the value in /etc/arra-mq/env
# (and restarts the services); one not given keeps it (first install: env.example's default).
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
readonly LISTEN_SETTINGS=(ARRA_MQTT_BIND ARRA_MQTT_PORT ARRA_WEBHOOK_BIND ARRA_HTTP_PORT ARRA_ADMIN_BIND ARRA_ADMIN_PORT)
health_timeout_s=${ARRA_HEALTH_TIMEOUT:-60}
# The units run this one: Debian's package, whatever else may be on PATH.
readonly NODE=/usr/bin/node

from_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
adapters=()
# Secret files given to this run, by destination; copied in place when their content differs.
declare -A secret_sources=()
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
      --database-url-file) secret_sources[$ETC_DIR/database-url]=${2:?}; shift 2 ;;
      --key-encryption-key-file) secret_sources[$DATA_DIR/key-encryption-key]=${2:?}; shift 2 ;;
      --webhook-secret-file) secret_sources[$DATA_DIR/webhook-secret]=${2:?}; shift 2 ;;
      -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
      *) die "unknown argument: $1 (see --help)" ;;
    esac
  done
  [ "$(id -u)" -eq 0 ] || die "must run as root"
  [ -f "$from_dir/RELEASE" ] || die "$from_dir is not an unpacked ARRA-MQ bundle (no RELEASE file)"
  local source
  for source in "${secret_sources[@]}"; do [ -f "$source" ] || die "$source: no such file"; done
  [ -z "${secret_sources[$ETC_DIR/database-url]:-}" ] || [ -n "${secret_sources[$DATA_DIR/key-encryption-key]:-}" ] ||
    [ -s "$DATA_DIR/key-encryption-key" ] || die "--database-url-file needs --key-encryption-key-file (the same key on every replica)"
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
  # better-sqlite3 is a native module built for one ABI, platform and architecture: any difference
  # would fail at the first require (or crash-loop the units), so stop here and say what differs.
  local want have built_with
  want="$(release_field NODE_ABI) $(release_field NODE_PLATFORM)-$(release_field NODE_ARCH)"
  have=$("$NODE" -p 'process.versions.modules + " " + process.platform + "-" + process.arch')
  built_with=$(release_field BUILT_WITH_NODE)
  [ "$want" = "$have" ] ||
    die "the bundle was built with Node $built_with (ABI $want); $NODE $("$NODE" -v) here has ABI $have: rebuild the bundle with the same Node major version and architecture as this container"
}

release_field() { sed -n "s/^$1=//p" "$from_dir/RELEASE"; }

ensure_user() {
  getent group "$APP_USER" >/dev/null || groupadd --system "$APP_USER"
  getent passwd "$APP_USER" >/dev/null ||
    useradd --system --gid "$APP_USER" --home-dir "$DATA_DIR" --no-create-home --shell /usr/sbin/nologin "$APP_USER"
  install -d -m 0750 -o "$APP_USER" -g "$APP_USER" "$DATA_DIR"
}

# Copies the bundle into its versioned directory (once) and points `current` at it atomically.
install_release() {
  local version hash name target
  version=$(release_field ARRA_VERSION)
  hash=$(release_field ARRA_HASH)
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
  local env=$ETC_DIR/env key value kept
  if [ ! -f "$env" ]; then
    log "writing $env"
    install -m 0640 -o root -g "$APP_USER" "$from_dir/lxc/env.example" "$env.part"
    mv "$env.part" "$env"
    restart_needed=true
  fi
  for key in "${LISTEN_SETTINGS[@]}"; do
    value=${!key:-}
    kept=$(env_value "$key")
    if [ -z "$kept" ] && [ -z "$value" ]; then
      # An env file written before the listeners were split has ARRA_BIND only: MQTT keeps it, the
      # verifier's listeners get env.example's loopback defaults (the admin API was never meant for the LAN).
      value=$(env_value_in "$from_dir/lxc/env.example" "$key")
      [ "$key" = ARRA_MQTT_BIND ] && value=$(env_value ARRA_BIND) && value=${value:-127.0.0.1}
    fi
    if [ -z "$value" ] || [ "$value" = "$kept" ]; then continue; fi
    log "setting $key=$value in $env${kept:+ (was $kept)}"
    set_env_key "$env" "$key" "$value"
    restart_needed=true
  done
  value=$(verifier_url)
  if [ "$value" != "$(env_value ARRA_VERIFIER_URL)" ]; then
    set_env_key "$env" ARRA_VERIFIER_URL "$value"
    restart_needed=true
  fi
}

env_value() { env_value_in "$ETC_DIR/env" "$1"; }
env_value_in() { sed -n "s/^$2=//p" "$1" | tail -n 1; }

# The verifier serves TLS on a listener that is not on loopback; it names such a listener by scheme.
is_loopback() { [[ $1 =~ ^127\. || $1 = ::1 ]]; }
scheme_for() { if is_loopback "$1"; then echo http; else echo https; fi; }

# How the broker (and the health check) inside the container reach the webhook listener.
verifier_url() {
  local bind
  bind=$(env_value ARRA_WEBHOOK_BIND)
  printf '%s://%s:%s' "$(scheme_for "$bind")" "$(loopback_for "$bind")" "$(env_value ARRA_HTTP_PORT)"
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

# The registry's secrets given to this run. The URL is read by the verifier only, from a file named in
# the env file: never in an environment, a command line or a log line.
install_secret_files() {
  local target
  for target in "${!secret_sources[@]}"; do
    if [ "$target" = "$ETC_DIR/database-url" ]; then
      install_private "${secret_sources[$target]}" "$target" root 0640
    else
      install_private "${secret_sources[$target]}" "$target" "$APP_USER" 0600
    fi
  done
  [ -n "${secret_sources[$ETC_DIR/database-url]:-}" ] || return 0
  if [ "$(env_value ARRA_DATABASE_URL_FILE)" != "$ETC_DIR/database-url" ]; then
    log "setting ARRA_DATABASE_URL_FILE=$ETC_DIR/database-url in $ETC_DIR/env: the registry is on PostgreSQL"
    set_env_key "$ETC_DIR/env" ARRA_DATABASE_URL_FILE "$ETC_DIR/database-url"
    restart_needed=true
  fi
}

# Copies a secret file owned by $3 and group arra-mq with mode $4, atomically; unchanged content is left alone.
install_private() {
  local source=$1 target=$2
  cmp -s "$source" "$target" && return 0
  if [ "${target##*/}" = key-encryption-key ] && [ -s "$target" ]; then
    cp -p "$target" "$target.previous"
    log "replacing $target (the one it replaces: $target.previous); the verifier opens the registry's keys only with the key that sealed them"
  else
    log "writing $target"
  fi
  (umask 077 && install -m "$4" -o "$3" -g "$APP_USER" "$source" "$target.part")
  mv "$target.part" "$target"
  restart_needed=true
  # The broker configs written before carry the old secret: render them again.
  [ "${target##*/}" != webhook-secret ] || rerender_existing_adapters
}

rerender_existing_adapters() {
  local name
  for name in nanomq mosquitto; do
    [ ! -f "$ETC_DIR/adapters/$name.conf" ] || [[ " ${adapters[*]} " == *" $name "* ]] || adapters+=("$name")
  done
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
  url=$(env_value ARRA_VERIFIER_URL)
  hostport=${url#*://}
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
  # The snippets speak plain HTTP; off loopback the webhook listener speaks TLS only.
  [[ $url != https://* ]] ||
    log "warning: the webhook listener speaks TLS (--webhook-bind is not loopback): switch $name's HTTP client in $out to TLS and let it trust $DATA_DIR/server-ca.pem"
}

start_services() {
  # A failed start is not fatal here: wait_for_health judges the result and rolls back if needed.
  if $restart_needed; then
    log "restarting ${UNITS[*]}"
    systemctl restart "${UNITS[@]}" || true
  else
    # Unchanged release, units and config: start only what is not running, restart nothing.
    systemctl start "${UNITS[@]}" || true
  fi
}

# The same wait the verifier unit runs as ExecStartPost, with the unit's settings.
healthy_within() {
  # shellcheck source=/dev/null  # the env file inside the container
  (set -a && . "$ETC_DIR/env" && "$NODE" "$OPT_DIR/current/lxc/wait-healthy.mjs" "$1")
}

health_url() { printf '%s/healthz' "$(env_value ARRA_VERIFIER_URL)"; }

wait_for_health() {
  if healthy_within "$health_timeout_s" && systemctl is-active --quiet "${UNITS[@]}"; then return 0; fi
  systemctl --no-pager --lines=20 status "${UNITS[@]}" >&2 || true
  local failed
  failed=$(readlink "$OPT_DIR/current")
  [ -n "$previous_release" ] || die "$(health_url) did not answer within ${health_timeout_s}s (units: $(systemctl is-active "${UNITS[@]}" | tr '\n' ' '))"
  log "${failed#releases/} did not answer $(health_url) within ${health_timeout_s}s: rolling back to ${previous_release#releases/}"
  point_current_at "$previous_release"
  systemctl restart "${UNITS[@]}" || true
  healthy_within "$health_timeout_s" || die "the rollback to ${previous_release#releases/} does not answer either"
  die "release ${failed#releases/} failed its health check; rolled back to ${previous_release#releases/}, which is running (the failed release stays in $OPT_DIR/releases for inspection)"
}

# The CLI of the current release, aimed at this container's admin API with its token file, so
# `pct exec 110 -- arra-mq device list` works as is. Rewritten when the admin listener moves.
install_cli() {
  local cli=/usr/local/bin/arra-mq
  [ -L "$cli" ] && rm "$cli"
  cat >"$cli.part" <<CLI
#!/bin/sh
# arra-mq CLI of the current release (written by lxc/install.sh; ARRA_URL / ARRA_DATA_DIR override).
: "\${ARRA_URL:=$(admin_url)}"
: "\${ARRA_DATA_DIR:=$DATA_DIR}"
export ARRA_URL ARRA_DATA_DIR
exec $NODE $OPT_DIR/current/bin/arra-mq.js "\$@"
CLI
  chmod 0755 "$cli.part"
  mv "$cli.part" "$cli"
}

admin_url() {
  local bind
  bind=$(env_value ARRA_ADMIN_BIND)
  printf '%s://%s:%s' "$(scheme_for "$bind")" "$(loopback_for "$bind")" "$(env_value ARRA_ADMIN_PORT)"
}

registry_summary() {
  if [ -n "$(env_value ARRA_DATABASE_URL_FILE)" ]; then
    echo "PostgreSQL (the URL in $(env_value ARRA_DATABASE_URL_FILE)), a mirror in $DATA_DIR"
  else
    echo "SQLite in $DATA_DIR"
  fi
}

print_summary() {
  local mqtt webhook
  mqtt=$(env_value ARRA_MQTT_BIND):$(env_value ARRA_MQTT_PORT)
  webhook=$(scheme_for "$(env_value ARRA_WEBHOOK_BIND)")://$(env_value ARRA_WEBHOOK_BIND):$(env_value ARRA_HTTP_PORT)
  cat <<SUMMARY
ARRA-MQ $(readlink "$OPT_DIR/current" | sed 's|releases/||') is running.
  Devices   (MQTT):             mqtt://$mqtt
  Brokers   (webhooks, health): $webhook
  Operators (admin API):        $(admin_url)
  Admin token:                  $DATA_DIR/admin-token (root and $APP_USER only)
  Registry:                     $(registry_summary)
  Config:                       $ETC_DIR/env
  CLI:                          arra-mq device list   (aimed at the admin API with that token)
SUMMARY
}

main() {
  parse_args "$@"
  ensure_node
  ensure_user
  install_release
  ensure_config
  install_secret_files
  ensure_secret admin-token
  ensure_secret webhook-secret
  install_units
  install_cli
  local name
  for name in "${adapters[@]}"; do install_adapter_config "$name"; done
  start_services
  wait_for_health
  prune_releases
  print_summary
}

main "$@"
