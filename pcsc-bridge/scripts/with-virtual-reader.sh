#!/usr/bin/env bash
# Runs a command with its own pcscd and the TEST ONLY CCCD emulator on a virtual reader.
#
#   pcsc-bridge/scripts/with-virtual-reader.sh [--no-build] [--] COMMAND [ARGS...]
#
# The command runs inside a private mount and network namespace (`unshare --mount --net`):
# a private tmpfs on /run/pcscd (pcscd's socket path is fixed), its own loopback, its own
# pcscd with the vpcd driver (TCP 35963 on that loopback), and the emulator as the card of
# reader "Virtual PCD 00 00". Several instances can run at once without seeing each other.
#
# Needs root (or unprivileged user namespaces) and the Debian packages pcscd and
# vsmartcard-vpcd. Unless --no-build is given or PCSC_BRIDGE_EMULATOR names a binary, the
# emulator is built first with cargo (honouring CARGO_TARGET_DIR).
#
# The command sees:
#   PCSC_BRIDGE_VIRTUAL_READER=1
#   PCSC_BRIDGE_TEST_READER="Virtual PCD 00 00"
#   PCSC_BRIDGE_EMULATOR_CONTROL=127.0.0.1:35990   (line commands, see src/emulator.rs)
#   PCSC_BRIDGE_RIG_LOCK=<file>   (lock it to use the card alone)
# Its exit status is the script's. On failure the pcscd and emulator logs are printed.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
crate_dir=$(dirname "$script_dir")
workspace_dir=$(dirname "$crate_dir")
control_port=35990
vpcd_port=35963
reader_name="Virtual PCD 00 00"

die() {
    echo "with-virtual-reader: $*" >&2
    exit 2
}

if [[ "${1:-}" != "--inside-namespace" ]]; then
    build=1
    while [[ $# -gt 0 ]]; do
        case "$1" in
            --no-build) build=0; shift ;;
            --) shift; break ;;
            -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
            *) break ;;
        esac
    done
    [[ $# -gt 0 ]] || die "no command given (usage: $0 [--no-build] [--] COMMAND [ARGS...])"
    command -v pcscd >/dev/null || die "pcscd is missing: apt-get install pcscd"
    [[ -e /usr/lib/pcsc/drivers/serial/libifdvpcd.so ]] \
        || die "the vpcd driver is missing: apt-get install vsmartcard-vpcd"
    command -v unshare >/dev/null || die "unshare (util-linux) is missing"
    command -v ip >/dev/null || die "ip (iproute2) is missing"
    if [[ -z "${PCSC_BRIDGE_EMULATOR:-}" ]]; then
        target_dir=${CARGO_TARGET_DIR:-$workspace_dir/target}
        if [[ $build -eq 1 ]]; then
            (cd "$workspace_dir" && cargo build --quiet -p pcsc-bridge --features test-support \
                --bin cccd-emulator) || die "building the emulator failed"
        fi
        PCSC_BRIDGE_EMULATOR="$target_dir/debug/cccd-emulator"
    fi
    [[ -x "$PCSC_BRIDGE_EMULATOR" ]] || die "no emulator binary at $PCSC_BRIDGE_EMULATOR"
    export PCSC_BRIDGE_EMULATOR
    exec unshare --mount --net --fork --kill-child --propagation private \
        -- "$0" --inside-namespace "$@"
fi
shift # --inside-namespace

work_dir=$(mktemp -d /tmp/pcsc-virtual-reader.XXXXXX)
pcscd_pid=""
emulator_pid=""

cleanup() {
    local status=$?
    [[ -n "$emulator_pid" ]] && kill "$emulator_pid" 2>/dev/null || true
    [[ -n "$pcscd_pid" ]] && kill "$pcscd_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    if [[ $status -ne 0 ]]; then
        for log in pcscd emulator; do
            if [[ -s "$work_dir/$log.log" ]]; then
                echo "---- with-virtual-reader: last lines of the $log log ----" >&2
                tail -n 30 "$work_dir/$log.log" >&2
            fi
        done
    fi
    rm -rf "$work_dir"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p /run/pcscd
mount -t tmpfs -o mode=0755,size=1m tmpfs /run/pcscd
ip link set lo up

pcscd --foreground --error >"$work_dir/pcscd.log" 2>&1 &
pcscd_pid=$!

# Ready when its socket exists (polled, no fixed delay); give up after 10 s.
deadline=$((SECONDS + 10))
until [[ -S /run/pcscd/pcscd.comm ]]; do
    kill -0 "$pcscd_pid" 2>/dev/null || die "pcscd exited (see its log above)"
    ((SECONDS < deadline)) || die "pcscd did not create its socket within 10 s"
    sleep 0.01
done

"$PCSC_BRIDGE_EMULATOR" --vpcd "127.0.0.1:$vpcd_port" --control "127.0.0.1:$control_port" \
    >"$work_dir/emulator.log" 2>&1 &
emulator_pid=$!

# Ready when the emulator's control port answers and pcscd has polled the card's ATR.
deadline=$((SECONDS + 10))
until (exec 3<>"/dev/tcp/127.0.0.1/$control_port") 2>/dev/null; do
    kill -0 "$emulator_pid" 2>/dev/null || die "the emulator exited (see its log above)"
    ((SECONDS < deadline)) || die "the emulator's control port did not open within 10 s"
    sleep 0.01
done
exec 3<>"/dev/tcp/127.0.0.1/$control_port"
echo "wait-ready 10000" >&3
read -r answer <&3 || answer="no answer"
exec 3>&-
[[ "$answer" == "ok" ]] || die "pcscd did not see the emulated card ($answer)"

export PCSC_BRIDGE_VIRTUAL_READER=1
export PCSC_BRIDGE_TEST_READER="$reader_name"
export PCSC_BRIDGE_EMULATOR_CONTROL="127.0.0.1:$control_port"
# Tests that share the one emulated card take turns by locking this file (works across the
# threads of `cargo test` and the processes of `cargo nextest`).
export PCSC_BRIDGE_RIG_LOCK="$work_dir/rig.lock"
"$@"
