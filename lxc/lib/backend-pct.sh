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

# The storage for the CT's root disk: the only active one that takes container disks, or of several
# the installer's default (local-lvm on ext4/xfs installs, local-zfs on ZFS ones); never a guess beyond that.
default_storage() {
  local active candidate
  active=$(pvesm status --content rootdir 2>/dev/null | awk 'NR > 1 && $3 == "active" { print $1 }')
  [ -n "$active" ] || die "'pvesm status --content rootdir' lists no active storage for container disks: pass --storage"
  if [ "$(wc -l <<<"$active")" -eq 1 ]; then printf '%s\n' "$active"; return 0; fi
  for candidate in local-lvm local-zfs; do
    grep -qx "$candidate" <<<"$active" && { printf '%s\n' "$candidate"; return 0; }
  done
  die "several storages take container disks ($(paste -sd' ' <<<"$active")): pick one with --storage"
}

backend_create() {
  local tpl net store
  tpl=${template:-$(default_template)}
  # A plain assignment, so default_storage's die stops setup.sh (`local x=$(...)` would hide it).
  store=${storage:-$(default_storage)}
  [ -n "$tpl" ] || die "no debian-13-standard template on storage 'local': run 'pveam update' and 'pveam download local <debian-13-standard_...tar.zst>' (see 'pveam available --section system'), or pass --template"
  net="name=eth0,bridge=${bridge:-vmbr0},ip=$ip"
  [ -n "$gateway" ] && net+=",gw=$gateway"
  run pct create "$ctid" "$tpl" --hostname "$ct_hostname" --cores "$cores" --memory "$memory" \
    --swap 512 --rootfs "$store:$disk" --net0 "$net" --unprivileged 1 --features nesting=1 \
    --tags "$MARKER" --onboot 1 --ostype debian
}

backend_start() { run pct start "$ctid"; }

backend_stop() { run pct stop "$ctid"; }

backend_destroy() { run pct destroy "$ctid" --purge 1; }

# pct push does not create parent folders; setup.sh creates them first.
backend_push() { run pct push "$ctid" "$1" "$2"; }

backend_exec() { run pct exec "$ctid" -- "${CT_ENV[@]}" "$@"; }
