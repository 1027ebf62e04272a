# shellcheck shell=bash disable=SC2154
# Proxmox VE backend of setup.sh: containers are `pct` CTs, ownership is the Proxmox tag "arra-mq".
# Sourced by setup.sh, which defines (hence SC2154 off) run, die, CT_ENV, MARKER and the option variables used here.

backend_name() { printf 'CT %s' "$ctid"; }

backend_exists() { pct status "$ctid" >/dev/null 2>&1; }

backend_is_running() { pct status "$ctid" 2>/dev/null | grep -q 'status: running'; }

# Tags are stored as "tags: a;b;c".
backend_is_ours() { pct config "$ctid" 2>/dev/null | grep -Eq "^tags:( |.*[;,])$MARKER([;,]|\$)"; }

# The newest debian-13-standard template already downloaded to the "local" storage.
default_template() {
  pveam list local 2>/dev/null | awk '$1 ~ /debian-13-standard/ { print $1 }' | sort -V | tail -n 1
}

backend_create() {
  local tpl=${template:-$(default_template)} net
  [ -n "$tpl" ] || die "no debian-13-standard template on storage 'local': run 'pveam update' and 'pveam download local <debian-13-standard_...tar.zst>' (see 'pveam available --section system'), or pass --template"
  net="name=eth0,bridge=${bridge:-vmbr0},ip=$ip"
  [ -n "$gateway" ] && net+=",gw=$gateway"
  run pct create "$ctid" "$tpl" --hostname "$ct_hostname" --cores "$cores" --memory "$memory" \
    --swap 512 --rootfs "$storage:$disk" --net0 "$net" --unprivileged 1 --features nesting=1 \
    --tags "$MARKER" --onboot 1 --ostype debian
}

backend_start() { run pct start "$ctid"; }

backend_stop() { run pct stop "$ctid"; }

backend_destroy() { run pct destroy "$ctid" --purge 1; }

# pct push does not create parent folders; setup.sh creates them first.
backend_push() { run pct push "$ctid" "$1" "$2"; }

backend_exec() { run pct exec "$ctid" -- "${CT_ENV[@]}" "$@"; }
