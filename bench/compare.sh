#!/usr/bin/env bash
# Benchmarks the Swift mod_proxy against Debian's C mod_proxy (the reference):
# 1. plain FTP, in one run of the shared harness (shared/bench/run.sh, next to
#    this repository): direct backend vs proxy0 = reference vs proxy1 = Swift;
# 2. FTPS, with bench/tls_compare.py: an FTPS backend directly, through the
#    reference and through this module (ProxyTLSEngine on): login, RETR/STOR
#    of 1 GiB with TLS toward the backend only and with TLS on both sides,
#    K=8 concurrent sessions, with the proxy's CPU s/GiB under each transfer;
# 3. SFTP/SCP, with bench/sftp_compare.py: a proftpd+mod_sftp backend and
#    Debian's sshd, each directly, through the reference and through this
#    module (a proftpd with mod_sftp in front): sftp get/put, scp down/up,
#    login+ls, with the proxy's CPU s/GiB under each transfer.
#
# usage: bench/compare.sh [--plain-only | --ftps-only | --sftp-only] [harness options...]
#        e.g. --quick, --tls, --rounds 5 (harness options go to step 1;
#        --quick also makes steps 2 and 3 short: 2 rounds of 256 / 64 MiB)
#
# Environment: REF_DIR (default /opt/proxy-ref), SWIFT_MODDIR (default
# /tmp/mod_proxy-bench-swift), SWIFT_SCRATCH_PATH (default .build),
# FTPS_ARGS (options of bench/tls_compare.py, default "--rounds 3 --mib 1024"),
# SFTP_ARGS (options of bench/sftp_compare.py, default "--rounds 3 --mib 256":
# the C module keeps every relayed packet until the session ends, see there).
# Needs root (the benchmarks start proftpd daemons).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(git -C "$here" rev-parse --show-toplevel 2>/dev/null || (cd "$here/.." && pwd))
harness="$top/../shared/bench/run.sh"
REF_DIR=${REF_DIR:-/opt/proxy-ref}
SWIFT_MODDIR=${SWIFT_MODDIR:-/tmp/mod_proxy-bench-swift}
SCRATCH=${SWIFT_SCRATCH_PATH:-$top/.build}
PROFTPD=${PROFTPD:-/usr/sbin/proftpd}

die() { printf 'compare.sh: error: %s\n' "$*" >&2; exit 1; }
say() { printf '==> %s\n' "$*"; }

plain=1 ftps=1 sftp=1
case "${1:-}" in
  -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
  --plain-only) ftps=0 sftp=0; shift ;;
  --ftps-only) plain=0 sftp=0; shift ;;
  --sftp-only) plain=0 ftps=0; shift ;;
esac
ftps_args=${FTPS_ARGS:-"--rounds 3 --mib 1024"}
sftp_args=${SFTP_ARGS:-"--rounds 3 --mib 256"}
for a in "$@"; do
  [ "$a" = --quick ] && ftps_args=${FTPS_ARGS:-"--rounds 2 --mib 256 --sessions 8"} sftp_args=${SFTP_ARGS:-"--rounds 2 --mib 64 --logins 3"}
done
[ "$plain" -eq 0 ] || [ -f "$harness" ] || die "benchmark harness not found at $harness (it lives in the project's shared/bench folder, next to the repository)"
[ "$(id -u)" -eq 0 ] || die "run as root: the harness starts proftpd daemons"

system_modpath=$("$PROFTPD" -V 2>/dev/null | awk '
  done { next }
  found && NF { print $1; done = 1; next }
  /Shared Module Directory:/ { sub(/.*Shared Module Directory:[[:space:]]*/, ""); if (NF) { print $1; done = 1 } else found = 1 }')
[ -n "$system_modpath" ] || die "'$PROFTPD -V' shows no Shared Module Directory"

say "building and checking the Swift module"
SWIFT_SCRATCH_PATH=$SCRATCH "$top/install.sh" --build-only
so="$SCRATCH/release/libModProxySwift.so"

# The Swift module dir: a copy of the .so as mod_proxy.so, the
# mod_proxy_protocol.so symlink, and links to the system's other modules.
mkdir -p "$SWIFT_MODDIR"
install -m 0644 "$so" "$SWIFT_MODDIR/mod_proxy.so"
ln -sfn mod_proxy.so "$SWIFT_MODDIR/mod_proxy_protocol.so"
for m in "$system_modpath"/*.so; do
  name=$(basename "$m")
  case "$name" in mod_proxy.so|mod_proxy_protocol.so) continue ;; esac
  ln -sfn "$m" "$SWIFT_MODDIR/$name"
done
say "Swift module dir: $SWIFT_MODDIR"

say "reference module dir: $REF_DIR"
"$here/fetch-reference.sh" "$REF_DIR"

rc=0
if [ "$plain" -eq 1 ]; then
  legend="proxy0 = reference C mod_proxy ($REF_DIR), proxy1 = Swift mod_proxy ($SWIFT_MODDIR);
the proxy1/proxy0 column is Swift / reference (higher is better for MB/s and
sess/s, lower for the rest)."
  printf '\n%s\n\n' "$legend"
  say "$harness --modpath $REF_DIR --modpath $SWIFT_MODDIR $*"
  "$harness" --modpath "$REF_DIR" --modpath "$SWIFT_MODDIR" "$@" || rc=$?
  printf '\n%s\n' "$legend"
  [ "$rc" -eq 0 ] || die "the harness failed (exit status $rc)"
fi

if [ "$ftps" -eq 1 ]; then
  say "FTPS: REF_SO=$REF_DIR/mod_proxy.so SWIFT_SO=$so $here/tls_compare.py $ftps_args"
  # shellcheck disable=SC2086 # FTPS_ARGS is a list of options
  REF_SO="$REF_DIR/mod_proxy.so" SWIFT_SO="$so" python3 "$here/tls_compare.py" $ftps_args || rc=$?
  [ "$rc" -eq 0 ] || die "bench/tls_compare.py failed (exit status $rc)"
fi

if [ "$sftp" -eq 1 ]; then
  # the tests' Python: sftp_compare.py uses their daemons and clients (pytest, paramiko)
  say "SFTP: REF_SO=$REF_DIR/mod_proxy.so SWIFT_SO=$so $here/sftp_compare.py $sftp_args"
  # shellcheck disable=SC2086 # SFTP_ARGS is a list of options
  REF_SO="$REF_DIR/mod_proxy.so" SWIFT_SO="$so" /usr/bin/python3 "$here/sftp_compare.py" $sftp_args || rc=$?
  [ "$rc" -eq 0 ] || die "bench/sftp_compare.py failed (exit status $rc)"
fi
