# Shared helpers for the project's scripts. Source it; do not run it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
fail() { printf '\033[1;31mxx\033[0m %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    fail "cần quyền root để cài gói / root is needed to install packages: $*"; fi
}

# need_apt PACKAGE[:COMMAND] ... — installs the Debian packages whose command (or package) is missing.
APT_UPDATED=""
need_apt() {
  local missing=() spec pkg cmd
  for spec in "$@"; do
    pkg="${spec%%:*}"; cmd="${spec#*:}"
    if [ "$cmd" != "$spec" ]; then
      command -v "$cmd" >/dev/null 2>&1 && continue
    else
      dpkg -s "$pkg" >/dev/null 2>&1 && continue
    fi
    missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "Installing Debian packages: ${missing[*]}"
  if [ -z "$APT_UPDATED" ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The wasm-bindgen CLI must be exactly the version of the wasm-bindgen crate in Cargo.lock.
ensure_wasm_tools() {
  command -v cargo >/dev/null || fail "cargo not found: install Rust with rustup first"
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    say "Adding the wasm32-unknown-unknown Rust target"
    rustup target add wasm32-unknown-unknown
  fi
  local want have
  want="$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' "$ROOT/Cargo.lock")"
  have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
  if [ "$have" != "$want" ]; then
    say "Installing wasm-bindgen-cli $want (first time only, about 2 minutes)"
    cargo install wasm-bindgen-cli --version "$want" --quiet
  fi
  need_apt brotli:brotli
  # A current wasm-opt from the npm registry (Debian's binaryen is too old for today's wasm).
  if [ ! -x "$TOOLS/node_modules/.bin/wasm-opt" ]; then
    need_apt nodejs:node npm:npm
    say "Installing wasm-opt (npm package binaryen) into .tools"
    mkdir -p "$TOOLS"
    (cd "$TOOLS" && npm install --silent --no-save --prefix "$TOOLS" binaryen@132.0.0 >/dev/null)
  fi
}

# Starts a throwaway PostgreSQL cluster in a fresh temporary folder (as the postgres user when run
# as root, since PostgreSQL refuses to run as root) and exports TEST_POSTGRES_URL. Stopped and
# removed on exit.
start_test_postgres() {
  need_apt postgresql
  local bin
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [ -x "$bin/initdb" ] || fail "PostgreSQL server binaries not found under /usr/lib/postgresql"
  local port="${TEST_PG_PORT:-55432}" dir
  # Another cluster (a developer's, another worktree's) may hold the port: take the next free one.
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  local run=()
  if [ "$(id -u)" -eq 0 ]; then run=(runuser -u postgres --); fi
  # Outside the build folder: the postgres user must be able to reach it (root's home is private).
  dir="$(mktemp -d /tmp/truongso-test-pg.XXXXXX)"
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir"; fi
  say "Starting a throwaway PostgreSQL cluster ($("$bin/postgres" --version | awk '{print $3}')) on port $port"
  "${run[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  if ! "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null; then
    cat "$dir/server.log" >&2
    fail "the test PostgreSQL cluster did not start"
  fi
  export TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
  STOP_PG=("${run[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast stop)
  TEST_PG_DIR="$dir"
  trap 'stop_test_postgres' EXIT
}

stop_test_postgres() {
  if [ -n "${STOP_PG:-}" ]; then "${STOP_PG[@]}" >/dev/null 2>&1 || true; fi
  if [ -n "${TEST_PG_DIR:-}" ]; then rm -rf "$TEST_PG_DIR"; fi
}
