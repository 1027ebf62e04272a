#!/bin/bash
# Create (or update in place) the ARRA-MQ container on a Proxmox VE, plain LXC or Incus host, push a
# release bundle into it and run install.sh inside. Never prompts.
#
# Usage: setup.sh [options]            (each option also reads the environment variable shown)
#   --backend pct|lxc|incus   ARRA_BACKEND     default: auto (pct, then incus, then lxc-create)
#   --ctid N                  ARRA_CTID        default: 110
#   --template T              ARRA_TEMPLATE    pct: newest local debian-13-standard; incus: images:debian/13
#   --storage S               ARRA_STORAGE     pct rootfs storage, default: the one active storage
#                                              for container disks in `pvesm status` (of several:
#                                              local-lvm, then local-zfs; else it asks for --storage)
#   --disk GB                 ARRA_DISK        default: 8
#   --cores N                 ARRA_CORES       default: 2
#   --memory MB               ARRA_MEMORY      default: 1024
#   --bridge BR               ARRA_BRIDGE      default: vmbr0 (pct), lxcbr0 (lxc)
#   --ip CIDR|dhcp            ARRA_IP          default: dhcp
#   --gateway IP              ARRA_GATEWAY     with a static --ip
#   --hostname NAME           ARRA_HOSTNAME    default: arra-mq
#   --bundle FILE             ARRA_BUNDLE      default: build one now with lxc/bundle.sh (needs Node 20
#                                              and the repository: a Proxmox host has neither, so pass it)
# Where each side listens, inside the container (written to /etc/arra-mq/env on the first install;
# given again on a later run, the new value replaces the kept one and the services restart):
#   --mqtt-bind ADDR          ARRA_MQTT_BIND   devices: the broker's MQTT listener, default: 127.0.0.1
#   --mqtt-port N             ARRA_MQTT_PORT   default: 1883
#   --webhook-bind ADDR       ARRA_WEBHOOK_BIND  brokers: the verifier's decision/webhook routes and
#                                              /healthz, default: 127.0.0.1 (TLS when not loopback)
#   --http-port N             ARRA_HTTP_PORT   port of the webhook listener, default: 8080
#   --admin-bind ADDR         ARRA_ADMIN_BIND  operators: the admin API, default: 127.0.0.1 (TLS when
#                                              not loopback)
#   --admin-port N            ARRA_ADMIN_PORT  default: 8081
#   --health-timeout S        ARRA_HEALTH_TIMEOUT  wait for /healthz, default: 60; on timeout a new
#                                              release is rolled back to the previous one
#   --with-nanomq, --with-mosquitto            also write that broker's config (see install.sh)
#   --recreate                destroy CT N first, even one this script did not create
#   --dry-run                 print what would be done, change nothing
# A replica on the operator's PostgreSQL (lxc/README.md, "A replica on your PostgreSQL"). Secrets are read
# from files on this host and pushed as files, never passed as arguments or environment, never printed:
#   --database-url-file FILE  ARRA_DATABASE_URL_FILE  one line, postgres://user:password@host:port/db;
#                                              becomes /etc/arra-mq/database-url (0640 root:arra-mq)
#   --key-encryption-key-file FILE  ARRA_KEY_ENCRYPTION_KEY_FILE  16+ characters, the same on every
#                                              replica; needed with the URL; becomes
#                                              /var/lib/arra-mq/key-encryption-key (0600 arra-mq)
#   --webhook-secret-file FILE  ARRA_WEBHOOK_SECRET_FILE  16+ characters, the same on every replica
#                                              behind one load balancer; replaces the generated one
#   Kept on a re-run without them; given again, a changed file replaces the kept one.
#
# A container this script created carries the tag/marker "arra-mq"; such a container is updated in
# place (data in /var/lib/arra-mq, config in /etc/arra-mq and secrets are kept). Any other container
# with the same id is left alone unless --recreate is given.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly script_dir
readonly MARKER=arra-mq
# Inside the container: where the bundle lands before install.sh copies it into /opt/arra-mq/releases.
readonly CT_STAGING=/root/arra-mq-deploy
# Commands inside run with a clean environment: lxc-attach and pct exec would pass the host's in.
readonly CT_ENV=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8)

backend=${ARRA_BACKEND:-auto}
ctid=${ARRA_CTID:-110}
template=${ARRA_TEMPLATE:-}
storage=${ARRA_STORAGE:-}
disk=${ARRA_DISK:-8}
cores=${ARRA_CORES:-2}
memory=${ARRA_MEMORY:-1024}
bridge=${ARRA_BRIDGE:-}
ip=${ARRA_IP:-dhcp}
gateway=${ARRA_GATEWAY:-}
ct_hostname=${ARRA_HOSTNAME:-arra-mq}
bundle=${ARRA_BUNDLE:-}
# Where the services listen; empty = not given: install.sh keeps what /etc/arra-mq/env says (or, on a
# first install, writes the defaults of env.example).
readonly LISTEN_SETTINGS=(ARRA_MQTT_BIND ARRA_MQTT_PORT ARRA_WEBHOOK_BIND ARRA_HTTP_PORT ARRA_ADMIN_BIND ARRA_ADMIN_PORT)
declare -A listen=()
for key in "${LISTEN_SETTINGS[@]}"; do [ -z "${!key:-}" ] || listen[$key]=${!key}; done
health_timeout=${ARRA_HEALTH_TIMEOUT:-60}
# Host files to push as secrets; each is checked before any container command runs.
database_url_file=${ARRA_DATABASE_URL_FILE:-}
key_file=${ARRA_KEY_ENCRYPTION_KEY_FILE:-}
webhook_secret_file=${ARRA_WEBHOOK_SECRET_FILE:-}
install_flags=()
recreate=false
dry_run=false

log() { printf 'setup.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Every command that changes something goes through run (also in the backends), so --dry-run shows
# exactly those commands and runs none of them.
run() {
  if $dry_run; then printf 'would run:'; printf ' %q' "$@"; printf '\n'; else "$@"; fi
}

usage() { sed -n '2,/^set -euo/{/^# shellcheck/d; s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"; exit "${1:-0}"; }

parse_args() {
  while [ $# -gt 0 ]; do
    case $1 in
      --backend) backend=${2:?}; shift 2 ;;
      --ctid) ctid=${2:?}; shift 2 ;;
      --template) template=${2:?}; shift 2 ;;
      --storage) storage=${2:?}; shift 2 ;;
      --disk) disk=${2:?}; shift 2 ;;
      --cores) cores=${2:?}; shift 2 ;;
      --memory) memory=${2:?}; shift 2 ;;
      --bridge) bridge=${2:?}; shift 2 ;;
      --ip) ip=${2:?}; shift 2 ;;
      --gateway) gateway=${2:?}; shift 2 ;;
      --hostname) ct_hostname=${2:?}; shift 2 ;;
      --bundle) bundle=${2:?}; shift 2 ;;
      --mqtt-bind) listen[ARRA_MQTT_BIND]=${2:?}; shift 2 ;;
      --mqtt-port) listen[ARRA_MQTT_PORT]=${2:?}; shift 2 ;;
      --webhook-bind) listen[ARRA_WEBHOOK_BIND]=${2:?}; shift 2 ;;
      --http-port) listen[ARRA_HTTP_PORT]=${2:?}; shift 2 ;;
      --admin-bind) listen[ARRA_ADMIN_BIND]=${2:?}; shift 2 ;;
      --admin-port) listen[ARRA_ADMIN_PORT]=${2:?}; shift 2 ;;
      --bind) die "--bind was split so that opening MQTT does not open the admin API: use --mqtt-bind, --webhook-bind and --admin-bind" ;;
      --health-timeout) health_timeout=${2:?}; shift 2 ;;
      --database-url-file) database_url_file=${2:?}; shift 2 ;;
      --key-encryption-key-file) key_file=${2:?}; shift 2 ;;
      --webhook-secret-file) webhook_secret_file=${2:?}; shift 2 ;;
      --with-nanomq|--with-mosquitto) install_flags+=("$1"); shift ;;
      --recreate) recreate=true; shift ;;
      --dry-run) dry_run=true; shift ;;
      -h|--help) usage 0 ;;
      *) log "unknown argument: $1"; usage 2 >&2 ;;
    esac
  done
  [[ $ctid =~ ^[1-9][0-9]*$ ]] || die "--ctid must be a positive number, got '$ctid'"
  local n
  for n in "$cores" "$memory" "$disk" "${listen[ARRA_HTTP_PORT]:-0}" "${listen[ARRA_MQTT_PORT]:-0}" "${listen[ARRA_ADMIN_PORT]:-0}" "$health_timeout"; do
    [[ $n =~ ^[0-9]+$ ]] || die "--cores/--memory/--disk/--*-port/--health-timeout must be numbers, got '$n'"
  done
  for n in "${listen[ARRA_MQTT_BIND]:-0.0.0.0}" "${listen[ARRA_WEBHOOK_BIND]:-0.0.0.0}" "${listen[ARRA_ADMIN_BIND]:-0.0.0.0}"; do
    [[ $n =~ ^[0-9.]+$|: ]] || die "--mqtt-bind/--webhook-bind/--admin-bind must be IP addresses, got '$n'"
  done
  check_secret_files
}

# The files' text is read into variables only (no command line shows it) and never printed.
check_secret_files() {
  local text
  if [ -n "$database_url_file" ]; then
    text=$(read_secret_file --database-url-file "$database_url_file")
    [[ $text =~ ^postgres(ql)?://[^[:space:]]+$ ]] ||
      die "--database-url-file $database_url_file must hold one line, a postgres:// URL (postgres://user:password@host:port/database)"
    [ -n "$key_file" ] ||
      die "--database-url-file needs --key-encryption-key-file: every replica must seal and open the registry's private keys with the same key"
  elif [ -n "$key_file" ]; then
    die "--key-encryption-key-file is for a replica on PostgreSQL: give --database-url-file with it"
  fi
  [ -z "$key_file" ] || check_secret_text --key-encryption-key-file "$key_file"
  [ -z "$webhook_secret_file" ] || check_secret_text --webhook-secret-file "$webhook_secret_file"
}

read_secret_file() {
  { [ -f "$2" ] && [ -r "$2" ]; } || die "$1 $2: not a readable file"
  printf '%s' "$(<"$2")"
}

# The verifier's rule for its secrets: at least 16 characters once surrounding blanks are trimmed.
check_secret_text() {
  local text
  text=$(read_secret_file "$1" "$2")
  [[ $text =~ ^[[:space:]]*([^[:space:]].{14,}[^[:space:]])[[:space:]]*$ ]] ||
    die "$1 $2: must hold a secret of at least 16 characters"
}

choose_backend() {
  if [ "$backend" = auto ]; then
    if command -v pct >/dev/null 2>&1; then backend=pct
    elif command -v incus >/dev/null 2>&1; then backend=incus
    elif command -v lxc-create >/dev/null 2>&1; then backend=lxc
    else die "no container manager found (pct, incus or lxc-create); pick one with --backend"
    fi
  fi
  case $backend in pct|lxc|incus) ;; *) die "--backend must be pct, lxc or incus, got '$backend'" ;; esac
  # All three backends define the same functions; shellcheck follows the pct one.
  # shellcheck source=lib/backend-pct.sh
  . "$script_dir/lib/backend-$backend.sh"
  log "backend: $backend, container: $(backend_name)"
}

ensure_bundle() {
  if [ -n "$bundle" ]; then
    [ -f "$bundle" ] || die "--bundle $bundle: no such file"
  else
    # Checked in a dry run too: it must fail where the real run would.
    { command -v node >/dev/null 2>&1 && [ -f "$script_dir/../package.json" ]; } ||
      die "no --bundle given, and this host cannot build one (it needs Node 20 and the repository): run lxc/bundle.sh on a build machine, copy the .tar.gz here and pass --bundle FILE"
    if $dry_run; then
      bundle="<bundle built by $script_dir/bundle.sh>"
      log "would build a bundle with $script_dir/bundle.sh"
    else
      log "building the bundle (lxc/bundle.sh)"
      bundle=$("$script_dir/bundle.sh")
    fi
  fi
}

# Creates the container unless an own one exists; refuses to touch somebody else's.
ensure_container() {
  if backend_exists; then
    if $recreate; then
      log "--recreate: destroying $(backend_name)"
      backend_is_running && backend_stop
      backend_destroy
    elif backend_is_ours; then
      log "$(backend_name) exists and is ours (marker '$MARKER'): updating in place, data and config are kept"
      return 0
    else
      die "container $(backend_name) exists but was not created by this script (no '$MARKER' tag/marker). Choose another --ctid, or pass --recreate to DESTROY it and start over."
    fi
  fi
  log "creating $(backend_name)"
  backend_create
}

ensure_running() {
  # Asked in a dry run too (a read-only query): starting a running CT is an error on Proxmox.
  backend_is_running || backend_start
  $dry_run && return 0
  # systemd inside must be up before install.sh can enable units; 'degraded' is normal in containers.
  # Right after start even its bus is missing (systemctl fails), so poll instead of `--wait`.
  local state deadline=$((SECONDS + 90))
  until state=$(backend_exec systemctl is-system-running 2>/dev/null); [[ $state =~ ^(running|degraded)$ ]]; do
    [ "$SECONDS" -lt "$deadline" ] || die "systemd in $(backend_name) did not come up in 90s (state: '${state:-none}')"
    sleep 1
  done
}

push_and_install() {
  # The unpacked bundle is ~60 MB: gone afterwards whether install.sh succeeded or not.
  $dry_run || trap remove_staging EXIT
  backend_exec rm -rf "$CT_STAGING"
  backend_exec mkdir -p "$CT_STAGING/unpacked"
  backend_push "$bundle" "$CT_STAGING/bundle.tar.gz"
  backend_exec tar -xzf "$CT_STAGING/bundle.tar.gz" -C "$CT_STAGING/unpacked"
  push_secret_files
  local settings=("ARRA_HEALTH_TIMEOUT=$health_timeout") key
  for key in "${LISTEN_SETTINGS[@]}"; do [ -z "${listen[$key]:-}" ] || settings+=("$key=${listen[$key]}"); done
  backend_exec env "${settings[@]}" \
    bash "$CT_STAGING/unpacked/lxc/install.sh" --from "$CT_STAGING/unpacked" "${install_flags[@]}"
}

# Into a folder only root can enter, removed with the staging folder; install.sh puts them in place.
push_secret_files() {
  [ -n "$database_url_file$key_file$webhook_secret_file" ] || return 0
  local -A files=([database-url]=$database_url_file [key-encryption-key]=$key_file [webhook-secret]=$webhook_secret_file)
  local name
  backend_exec install -d -m 0700 "$CT_STAGING/secrets"
  for name in database-url key-encryption-key webhook-secret; do
    [ -n "${files[$name]}" ] || continue
    backend_push "${files[$name]}" "$CT_STAGING/secrets/$name"
    install_flags+=("--$name-file" "$CT_STAGING/secrets/$name")
  done
}

# shellcheck disable=SC2317  # called by the EXIT trap
remove_staging() {
  backend_exec rm -rf "$CT_STAGING" || log "could not remove $CT_STAGING inside $(backend_name); remove it by hand"
}

main() {
  parse_args "$@"
  choose_backend
  ensure_bundle
  ensure_container
  ensure_running
  push_and_install
  if $dry_run; then log "dry run: nothing was changed"; return 0; fi
  log "done: $(backend_name) runs ARRA-MQ (admin token: /var/lib/arra-mq/admin-token inside the container)"
}

# On one line, so bash never reads past it: an edit to this file while it runs cannot break the run.
main "$@"; exit
