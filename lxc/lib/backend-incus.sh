# shellcheck shell=bash disable=SC2154
# Incus backend of setup.sh: the instance is "arra-mq-<ctid>" (Incus names must not start with a
# digit), unprivileged by default; ownership is the config key user.managed-by=arra-mq.
# Sourced by setup.sh, which defines (hence SC2154 off) run, CT_ENV, MARKER and the option variables used here.

backend_name() { printf 'arra-mq-%s' "$ctid"; }

backend_exists() { incus info "$(backend_name)" >/dev/null 2>&1; }

backend_is_running() { incus info "$(backend_name)" 2>/dev/null | grep -q '^Status: RUNNING'; }

backend_is_ours() { [ "$(incus config get "$(backend_name)" user.managed-by 2>/dev/null)" = "$MARKER" ]; }

backend_create() {
  local network=()
  [ -n "$bridge" ] && network=(--network "$bridge")
  run incus init "${template:-images:debian/13}" "$(backend_name)" "${network[@]}" \
    -c security.nesting=true -c limits.cpu="$cores" -c limits.memory="${memory}MiB" \
    -c user.managed-by="$MARKER"
}

backend_start() { run incus start "$(backend_name)"; }

backend_stop() { run incus stop "$(backend_name)"; }

backend_destroy() { run incus delete "$(backend_name)"; }

backend_push() { run incus file push "$1" "$(backend_name)$2"; }

backend_exec() { run incus exec "$(backend_name)" -- "${CT_ENV[@]}" "$@"; }
