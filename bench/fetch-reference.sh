#!/usr/bin/env bash
# Puts Debian's C mod_proxy (package proftpd-mod-proxy, the reference
# implementation) into a directory of its own, WITHOUT installing the package
# (which would overwrite the Swift mod_proxy.so in proftpd's module directory).
#
# usage: bench/fetch-reference.sh [--force] [DIR]     (DIR default /opt/proxy-ref)
#
# DIR then holds mod_proxy.so plus symlinks to every other module of proftpd's
# module directory, so it works as a benchmark --modpath and as a ModulePath.
set -euo pipefail

PROFTPD=${PROFTPD:-/usr/sbin/proftpd}
PACKAGE=proftpd-mod-proxy
force=0
dir=""

die() { printf 'fetch-reference.sh: error: %s\n' "$*" >&2; exit 1; }
say() { printf '==> %s\n' "$*"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --force) force=1 ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option '$1'" ;;
    *) [ -z "$dir" ] || die "one directory only"; dir=$1 ;;
  esac
  shift
done
dir=${dir:-/opt/proxy-ref}

system_modpath=$("$PROFTPD" -V 2>/dev/null | awk '
  done { next }
  found && NF { print $1; done = 1; next }
  /Shared Module Directory:/ { sub(/.*Shared Module Directory:[[:space:]]*/, ""); if (NF) { print $1; done = 1 } else found = 1 }')
[ -n "$system_modpath" ] || die "'$PROFTPD -V' shows no Shared Module Directory (is proftpd-core installed?)"

# The reference exports its proxy_* functions; the Swift build exports only
# the two module symbols.
is_reference() {
  # awk reads everything: an early exit would SIGPIPE nm under pipefail.
  [ -f "$1" ] && nm -D --defined-only "$1" 2>/dev/null \
    | awk '$NF == "proxy_conn_create" { found = 1 } END { exit !found }'
}

mkdir -p "$dir"
if [ "$force" -eq 0 ] && is_reference "$dir/mod_proxy.so"; then
  say "$dir/mod_proxy.so is already the C reference module (--force fetches it again)"
else
  tmp=$(mktemp -d /tmp/proxy-ref.XXXXXX)
  trap 'rm -rf "$tmp"' EXIT
  chown _apt "$tmp" 2>/dev/null || true   # apt downloads as user _apt
  say "downloading $PACKAGE (apt-get download, not installed)"
  if ! (cd "$tmp" && apt-get download -q "$PACKAGE"); then
    say "apt-get download failed; running apt-get update and trying again"
    apt-get update -q || die "apt-get update failed"
    (cd "$tmp" && apt-get download -q "$PACKAGE") || die "apt-get download $PACKAGE failed"
  fi
  deb=$(find "$tmp" -maxdepth 1 -name "${PACKAGE}_*.deb" | sed -n 1p)
  [ -n "$deb" ] || die "apt-get download left no ${PACKAGE}_*.deb in $tmp"
  dpkg-deb -x "$deb" "$tmp/root"
  so=$(find "$tmp/root" -name mod_proxy.so -type f | sed -n 1p)
  [ -n "$so" ] || die "$(basename "$deb") holds no mod_proxy.so"
  install -m 0644 "$so" "$dir/mod_proxy.so"
  dpkg-deb -f "$deb" Version >"$dir/VERSION"
  say "installed $(basename "$deb")'s mod_proxy.so as $dir/mod_proxy.so"

  # The module's default CA bundle (ProxyTLSEngine auto loads it). Without
  # the package, /etc/proftpd/cacerts.pem is missing; put it there so the
  # reference behaves as on a system with the package installed.
  if [ -f "$tmp/root/etc/proftpd/cacerts.pem" ]; then
    install -m 0644 "$tmp/root/etc/proftpd/cacerts.pem" "$dir/cacerts.pem"
    if [ ! -e /etc/proftpd/cacerts.pem ] && [ -d /etc/proftpd ]; then
      install -m 0644 "$tmp/root/etc/proftpd/cacerts.pem" /etc/proftpd/cacerts.pem
      say "installed the package's CA bundle as /etc/proftpd/cacerts.pem (it was missing)"
    fi
  fi
fi

# Every other module of the system directory, so that a config with
# "ModulePath $dir" can still load mod_tls, mod_sftp, ... The C mod_proxy needs
# mod_tls loaded before it: it takes its OpenSSL symbols from the process.
linked=0
for m in "$system_modpath"/*.so; do
  name=$(basename "$m")
  case "$name" in mod_proxy.so|mod_proxy_protocol.so) continue ;; esac
  ln -sfn "$m" "$dir/$name"
  linked=$((linked + 1))
done
[ -e "$dir/mod_tls.so" ] || die "$system_modpath/mod_tls.so is missing (package proftpd-mod-crypto): the reference module needs mod_tls"
say "$dir: mod_proxy.so ($(cat "$dir/VERSION" 2>/dev/null || echo 'version unknown')) + symlinks to $linked modules of $system_modpath"
