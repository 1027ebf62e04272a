# shellcheck shell=bash disable=SC2154
# Plain LXC backend of setup.sh (lxc-* tools): the container is "arra-mq-<ctid>", created from the
# images server's Debian 13 with the host's /etc/lxc/default.conf (network, idmap if configured).
# Ownership is a marker comment in the container's config file.
# Sourced by setup.sh, which defines (hence SC2154 off) run, die, CT_ENV, MARKER and the option variables used here.

backend_name() { printf 'arra-mq-%s' "$ctid"; }

config_file() { printf '%s/%s/config' "$(lxc-config lxc.lxcpath)" "$(backend_name)"; }

backend_exists() { lxc-info -n "$(backend_name)" >/dev/null 2>&1; }

backend_is_running() { [ "$(lxc-info -n "$(backend_name)" -sH 2>/dev/null)" = RUNNING ]; }

backend_is_ours() { grep -q "^# $MARKER: created by lxc/setup.sh" "$(config_file)" 2>/dev/null; }

# --template takes DIST/RELEASE for the download template (default debian/trixie).
backend_create() {
  local dist=${template:-debian/trixie}
  run lxc-create -n "$(backend_name)" -t download -- --dist "${dist%%/*}" --release "${dist#*/}" --arch amd64
  [ -n "$bridge" ] && run sed -i "s|^lxc.net.0.link = .*|lxc.net.0.link = $bridge|" "$(config_file)"
  if $dry_run; then
    echo "would append nesting, limits and the '$MARKER' marker to $(config_file)"
    return 0
  fi
  cat >>"$(config_file)" <<CONF
# $MARKER: created by lxc/setup.sh; setup.sh updates this container in place.
lxc.include = /usr/share/lxc/config/nesting.conf
lxc.cgroup2.memory.max = ${memory}M
CONF
  local etc
  etc="$(lxc-config lxc.lxcpath)/$(backend_name)/rootfs/etc"
  printf '%s\n' "$ct_hostname" >"$etc/hostname"
  # With an idmap (unprivileged) the rootfs is shifted: a root-owned file would be nobody's inside.
  chown --reference="$etc" "$etc/hostname"
}

backend_start() { run lxc-start -n "$(backend_name)"; }

backend_stop() { run lxc-stop -n "$(backend_name)"; }

backend_destroy() { run lxc-destroy -n "$(backend_name)"; }

backend_push() {
  if $dry_run; then run lxc-attach -n "$(backend_name)" -- cp "$1" "$2"; return 0; fi
  # shellcheck disable=SC2016  # $1 is expanded by the sh inside the container
  lxc-attach -n "$(backend_name)" --clear-env -- sh -c 'cat >"$1"' sh "$2" <"$1"
}

backend_exec() { run lxc-attach -n "$(backend_name)" --clear-env -- "${CT_ENV[@]}" "$@"; }
