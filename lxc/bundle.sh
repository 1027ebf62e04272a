#!/bin/bash
# Build the ARRA-MQ release tarball that setup.sh pushes into the container and install.sh unpacks.
#
# Works on a staging copy of the source tree, never in the tree itself, so a bundle never picks up a
# stale dist/ and never races other builds of the tree. In a git checkout the copy is git's tracked and
# untracked-but-not-ignored files; in an unpacked source archive (no .git) it is every file but
# node_modules/, dist/, data/ and .tmp/. Then:
#   1. compile TypeScript with the repo's own dev dependencies (run `npm ci` in the repo first), and
#      copy the run-time assets tsc does not emit (*.sql migrations) next to the emitted JavaScript;
#   2. install production dependencies only: `npm ci --omit=dev` from package-lock.json in the staging
#      copy, native addons taken from the repo's node_modules when the versions match (else compiled),
#      then drop node-gyp's leftovers (objects, static libs, C sources) to halve the size.
# Step 2's result is cached per package-lock.json and Node ABI in $ARRA_BUNDLE_CACHE
# (default ~/.cache/arra-mq-bundle); a changed lockfile or Node ABI gets a fresh install.
#
# Native modules are compiled for the Node.js running this script, which must be Node 20: every Node
# 20.x has the same module ABI (NODE_MODULE_VERSION 115), so the bundle runs on Debian 13's nodejs
# 20.19. The ABI, platform and architecture are recorded in RELEASE, and install.sh refuses a Node
# that differs in any of them.
#
# Usage: bundle.sh [--out DIR]   (default DIR: <repo>/.tmp/bundle)   -> prints the tarball's path.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(cd "$script_dir/.." && pwd)
out_dir="$repo_dir/.tmp/bundle"
# The container's Node (Debian 13's nodejs): native modules must be built by the same major version.
readonly NODE_MAJOR=20

log() { printf 'bundle.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; exit "${1:-0}"; }

parse_args() {
  while [ $# -gt 0 ]; do
    case $1 in
      --out) out_dir=${2:?--out needs a directory}; shift 2 ;;
      -h|--help) usage 0 ;;
      *) echo "bundle.sh: unknown argument: $1" >&2; usage 2 ;;
    esac
  done
}

check_node() {
  command -v node >/dev/null 2>&1 || die "no node on PATH: bundle.sh needs Node $NODE_MAJOR (and 'npm ci' done in $repo_dir)"
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$major" = "$NODE_MAJOR" ] ||
    die "node $(node -v) is not Node $NODE_MAJOR: the container runs Debian 13's Node $NODE_MAJOR, and better-sqlite3 built for another major version would not load there"
}

copy_sources() {
  source_files | tar -C "$repo_dir" --null -T - -cf - | tar -C "$staging/src" -xf -
}

# NUL-separated paths relative to the repository, regular files only.
source_files() {
  if [ "$(git -C "$repo_dir" rev-parse --show-toplevel 2>/dev/null)" = "$repo_dir" ]; then
    # Deleted-but-tracked files are still listed by git; skip them instead of failing the copy.
    git -C "$repo_dir" ls-files -z --cached --others --exclude-standard |
      (cd "$repo_dir" && while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done)
  else
    log "no git checkout at $repo_dir: bundling every file but node_modules/, dist/, data/ and .tmp/"
    (cd "$repo_dir" && find . \( -path ./node_modules -o -path ./dist -o -path ./data -o -path ./.tmp -o -path ./.git \) -prune \
      -o -type f -printf '%P\0')
  fi
}

build_app() {
  [ -x "$repo_dir/node_modules/.bin/tsc" ] || die "no TypeScript in $repo_dir/node_modules: run 'npm ci' there first"
  ln -s "$repo_dir/node_modules" "$staging/src/node_modules"
  (cd "$staging/src" && node_modules/.bin/tsc -p tsconfig.build.json >&2) || die "TypeScript build failed (see above)"
  rm "$staging/src/node_modules"
  copy_runtime_assets
}

# tsc emits only JavaScript; files the compiled code reads beside itself at run time (the store's
# SQL migrations, see verifier/store/migrations.ts; the console's static files) are copied to the same place under dist/.
copy_runtime_assets() {
  (cd "$staging/src" && find rules schemas verifier broker broker-adapters -name '*.sql' -type f -print0 2>/dev/null |
    xargs -0 -r cp --parents -t dist/)
  mkdir -p "$staging/src/dist/console" && cp -r "$staging/src/console/assets" "$staging/src/dist/console/"
}

production_deps() {
  local cache_dir=${ARRA_BUNDLE_CACHE:-$HOME/.cache/arra-mq-bundle} key cached
  key=$(cat "$repo_dir/package-lock.json" <(node -p 'process.versions.modules + process.platform + process.arch') | sha256sum | cut -c1-16)
  cached="$cache_dir/node_modules-$key.tar"
  if [ ! -s "$cached" ]; then
    log "installing production dependencies (npm ci --omit=dev)"
    mkdir -p "$staging/deps" "$cache_dir"
    cp "$repo_dir/package.json" "$repo_dir/package-lock.json" "$staging/deps/"
    (cd "$staging/deps" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error >&2)
    provide_native_builds "$staging/deps"
    strip_native_leftovers "$staging/deps/node_modules"
    tar -C "$staging/deps" -cf "$cached.part" node_modules
    mv "$cached.part" "$cached"
  fi
  tar -C "$staging/release" -xf "$cached"
}

# Native addons (better-sqlite3 is the only one): the repo's own `npm ci` already compiled them for this
# very Node, so a binary of the same package version is copied instead of compiled again (about a
# minute on 2 cores); anything else is built by `npm rebuild`, which runs the package's install script.
provide_native_builds() {
  local deps=$1 gyp pkg name have want
  while IFS= read -r gyp; do
    pkg=${gyp%/binding.gyp}
    name=${pkg#"$deps/node_modules/"}
    want=$(node -p 'require(process.argv[1]).version' "$pkg/package.json")
    have=$(node -p 'require(process.argv[1]).version' "$repo_dir/node_modules/$name/package.json" 2>/dev/null || true)
    if [ "$have" = "$want" ] && compgen -G "$repo_dir/node_modules/$name/build/Release/*.node" >/dev/null; then
      mkdir -p "$pkg/build/Release"
      cp "$repo_dir/node_modules/$name/build/Release/"*.node "$pkg/build/Release/"
    else
      log "compiling $name $want"
      (cd "$deps" && npm rebuild "$name" --no-audit --no-fund --loglevel=error >&2)
    fi
  done < <(find "$deps/node_modules" -mindepth 2 -maxdepth 3 -name binding.gyp)
}

# node-gyp keeps its objects and static libraries next to the .node file it built, and better-sqlite3
# ships the SQLite amalgamation it compiled from; none of it is loaded at run time.
strip_native_leftovers() {
  find "$1" -path '*/build/Release/*' \( -name 'obj*' -o -name '*.a' -o -name '.deps' -o -name 'test_extension.node' \) -prune -exec rm -rf {} +
  find "$1" -maxdepth 4 -path '*/build/*' \( -name deps -o -name '*.mk' -o -name Makefile \) -prune -exec rm -rf {} +
  rm -rf "$1/better-sqlite3/deps" "$1/better-sqlite3/src"
}

assemble_release() {
  local src=$staging/src rel=$staging/release
  mkdir -p "$rel/lxc"
  cp -a "$src/dist" "$src/package.json" "$src/package-lock.json" "$rel/"
  [ -d "$src/bin" ] && cp -a "$src/bin" "$rel/"
  cp -a "$src/lxc/install.sh" "$src/lxc/wait-healthy.mjs" "$src/lxc/units" "$src/lxc/env.example" "$rel/lxc/"
  # Broker configs for the optional NanoMQ / Mosquitto front ends (install.sh --with-nanomq/--with-mosquitto).
  (cd "$src" && find broker-adapters -name '*.conf' -type f -print0 2>/dev/null | xargs -0 -r cp --parents -t "$rel/")
}

# A content hash, not a git hash: the same sources give the same release directory, so re-running
# setup.sh with unchanged code is recognised as a no-op update inside the container.
content_hash() {
  (cd "$1" && find . -type f ! -name RELEASE -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-12)
}

write_release_file() {
  local rel=$staging/release version hash
  version=$(node -p 'require(process.argv[1]).version' "$rel/package.json")
  hash=$(content_hash "$rel")
  cat >"$rel/RELEASE" <<RELEASE
ARRA_VERSION=$version
ARRA_HASH=$hash
NODE_ABI=$(node -p process.versions.modules)
NODE_PLATFORM=$(node -p process.platform)
NODE_ARCH=$(node -p process.arch)
BUILT_WITH_NODE=$(node -v)
RELEASE
  printf '%s-%s' "$version" "$hash"
}

main() {
  parse_args "$@"
  check_node
  staging=$(mktemp -d "${TMPDIR:-/tmp}/arra-mq-bundle.XXXXXX")
  trap 'rm -rf "$staging"' EXIT
  mkdir -p "$staging/src" "$staging/release" "$out_dir"
  copy_sources
  build_app
  assemble_release
  production_deps
  local name tarball
  name=$(write_release_file)
  tarball="$out_dir/arra-mq-$name.tar.gz"
  tar -C "$staging/release" --owner=0 --group=0 --numeric-owner -czf "$tarball.part" .
  mv "$tarball.part" "$tarball"
  printf '%s\n' "$tarball"
}

# On one line, so bash never reads past it: an edit to this file while it runs cannot break the run.
main "$@"; exit
