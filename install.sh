#!/usr/bin/env bash
# Builds the Swift mod_proxy + mod_proxy_protocol DSO, checks it, installs it
# into ProFTPD's module directory and proves that proftpd loads it.
# Run ./install.sh --help for the options.
set -euo pipefail
export LC_ALL=C   # one collation for sort and comm

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"

# Debian packages needed to build and run the module (nm and ldd come from
# binutils and libc-bin).
BUILD_PACKAGES=(proftpd-core proftpd-dev proftpd-mod-crypto
                libssl-dev libsqlite3-dev libssh2-1-dev zlib1g-dev binutils libc6-dev)
# What the test suites use on top of that (test.sh and .ci/run ask for these).
TEST_PACKAGES=(python3 python3-pytest python3-pytest-xdist python3-paramiko curl lftp iproute2 openssl openssh-client openssh-server haproxy redis-server sqlite3 proftpd-mod-sqlite)

PROFTPD=${PROFTPD:-/usr/sbin/proftpd}
SCRATCH=${SWIFT_SCRATCH_PATH:-$here/.build}
SO_NAME=libModProxySwift.so
EXPORTS=(proxy_module proxy_protocol_module)

usage() {
  cat <<EOF
usage: ./install.sh [--demo] [--build-only] [--deps-only] [--test-deps] [--help]

Builds the module (swift build -c release), checks the shared object, installs
it as mod_proxy.so in proftpd's module directory with the symlink
mod_proxy_protocol.so -> mod_proxy.so, and runs 'proftpd -t' on a config that
loads both modules. Run it as root. Running it again is harmless.

  --demo        after installing, start contrib/demo.sh (a backend and a
                reverse proxy on 127.0.0.1; Ctrl-C stops both)
  --build-only  build and check the shared object, install nothing
  --deps-only   install the missing Debian packages, then stop
  --test-deps   also install the packages the test suites need
  --help        this text

Environment:
  DESTDIR             install under this root (packaging); the load check
                      then uses \$DESTDIR/<module dir>
  MODULE_DIR          module directory (default: "Shared Module Directory"
                      from 'proftpd -V')
  PROFTPD             the daemon binary (default /usr/sbin/proftpd)
  SWIFT_SCRATCH_PATH  SwiftPM build directory (default .build)

Packages installed when missing: ${BUILD_PACKAGES[*]}
With --test-deps also: ${TEST_PACKAGES[*]}
EOF
}

say()  { printf '==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die()  { printf 'install.sh: error: %s\n' "$*" >&2; exit 1; }

# Temporary directories, removed on exit.
TMP_DIRS=()
trap 'rm -rf "${TMP_DIRS[@]}"' EXIT
new_temp_dir() {   # new_temp_dir VAR NAME: a new /tmp/NAME.XXXXXX in $VAR
  local d
  d=$(mktemp -d "/tmp/$2.XXXXXX")
  TMP_DIRS+=("$d")
  printf -v "$1" '%s' "$d"
}

demo=0 build_only=0 deps_only=0 test_deps=0
while [ $# -gt 0 ]; do
  case "$1" in
    --demo) demo=1 ;;
    --build-only) build_only=1 ;;
    --deps-only) deps_only=1 ;;
    --test-deps) test_deps=1 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1' (see ./install.sh --help)" ;;
  esac
  shift
done

is_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# apt-get update (unless the caller just did, APT_LISTS_FRESH=1), then install
# the packages of the list that are missing.
install_missing_packages() {
  local missing=() p
  for p in "$@"; do is_installed "$p" || missing+=("$p"); done
  if [ ${#missing[@]} -eq 0 ]; then
    say "Debian packages: all present ($*)"
    return
  fi
  [ "$(id -u)" -eq 0 ] || die "missing Debian packages: ${missing[*]} (run as root, or: apt-get install ${missing[*]})"
  say "installing missing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if [ "${APT_LISTS_FRESH:-0}" != 1 ]; then
    apt-get update -q || die "apt-get update failed"
  fi
  apt-get install -y -q --no-install-recommends "${missing[@]}" \
    || die "apt-get install failed for: ${missing[*]}"
}

find_swift() {
  if ! command -v swift >/dev/null 2>&1; then
    [ -x /opt/swift/usr/bin/swift ] \
      || die "no Swift toolchain: 'swift' is not on PATH and /opt/swift/usr/bin/swift does not exist (install Swift 6 from swift.org)"
    export PATH="/opt/swift/usr/bin:$PATH"
  fi
  say "Swift: $(swift --version 2>&1 | sed -n 1p)"
}

# Dynamic symbols a file defines and exports, one name a line, without version
# suffixes. nm prints local symbols (which .dynsym may hold too) in lowercase;
# "u" is a unique global.
defined_symbols() {
  nm -D --defined-only "$1" | awk 'NF >= 3 && $2 ~ /^[A-Zu]$/ { sub(/@.*/, "", $3); print $3 }' | sort -u
}

# Fails unless the .so exports exactly EXPORTS and every symbol it leaves
# undefined is exported by the proftpd binary. A shared-library link never
# fails on an undefined symbol; mod_dso would then report the misleading
# "unable to dlopen 'mod_proxy.c': file not found".
verify_shared_object() {
  local so=$1 exported expected extra missing ldd_out undefined not_found sym
  exported=$(defined_symbols "$so")
  expected=$(printf '%s\n' "${EXPORTS[@]}" | sort -u)
  if [ "$exported" != "$expected" ]; then
    missing=$(comm -13 <(echo "$exported") <(echo "$expected") | tr '\n' ' ')
    extra=$(comm -23 <(echo "$exported") <(echo "$expected") | sed -n 1,20p | tr '\n' ' ')
    die "$so must export exactly ${EXPORTS[*]}; missing: ${missing:-none}; unexpected: ${extra:-none} (check exports.map)"
  fi
  note "exports: ${EXPORTS[*]} (nothing else)"

  ldd_out=$(ldd -r "$so" 2>&1) || die "ldd -r $so failed: $ldd_out"
  not_found=$(sed -n 's/^[[:space:]]*\([^[:space:]]*\) => not found.*/\1/p' <<<"$ldd_out" | tr '\n' ' ')
  [ -z "$not_found" ] || die "$so needs libraries that are not installed: $not_found"
  undefined=$(sed -n 's/^undefined symbol: \([^[:space:]]*\).*/\1/p' <<<"$ldd_out" | sed 's/@.*//' | sort -u)
  [ -x "$PROFTPD" ] || die "$PROFTPD not found (package proftpd-core)"
  missing=$(comm -23 <(echo "$undefined" | sed '/^$/d') <(defined_symbols "$PROFTPD"))
  if [ -n "$missing" ]; then
    printf 'install.sh: error: %s leaves these symbols undefined and %s does not export them:\n' "$so" "$PROFTPD" >&2
    while IFS= read -r sym; do printf '    %s\n' "$sym"; done <<<"$missing" >&2
    die "refusing to install: mod_dso would fail with \"unable to dlopen 'mod_proxy.c': file not found\""
  fi
  note "undefined symbols: $(echo "$undefined" | sed '/^$/d' | wc -l), all exported by $PROFTPD"
  note "libraries: $(ldd "$so" | awk '$2 == "=>" { print $1 }' | tr '\n' ' ')"
}

build_and_verify() {
  find_swift
  say "building: swift build -c release --scratch-path $SCRATCH"
  swift build -c release --scratch-path "$SCRATCH" || die "swift build -c release failed (see the compiler errors above)"
  SO="$SCRATCH/release/$SO_NAME"
  [ -f "$SO" ] || die "the build did not produce $SO"
  say "checking $SO ($(du -h "$SO" | cut -f1))"
  verify_shared_object "$SO"
}

# proftpd -V prints "Shared Module Directory:" with the path on the same or
# the next line.
module_dir() {
  if [ -n "${MODULE_DIR:-}" ]; then echo "$MODULE_DIR"; return; fi
  # awk reads to the end: leaving early would SIGPIPE proftpd under pipefail.
  "$PROFTPD" -V 2>/dev/null | awk '
    done { next }
    found && NF { print $1; done = 1; next }
    /Shared Module Directory:/ {
      sub(/.*Shared Module Directory:[[:space:]]*/, "")
      if (NF) { print $1; done = 1 } else found = 1
    }'
}

is_our_build() {   # exports exactly EXPORTS
  [ "$(defined_symbols "$1" 2>/dev/null)" = "$(printf '%s\n' "${EXPORTS[@]}" | sort -u)" ]
}

# Describes an existing mod_proxy.so so the user knows what the backup holds.
describe_module() {
  local file=$1 system_path=$2 owner
  if is_our_build "$file"; then
    echo "an earlier build of this Swift module"
    return
  fi
  owner=""
  if [ -z "${DESTDIR:-}" ]; then   # under DESTDIR, dpkg knows nothing of the file
    owner=$(dpkg-query -S "$system_path" 2>/dev/null | grep -v 'diversion' | cut -d: -f1 | sed -n 1p || true)
  fi
  if [ "$owner" = proftpd-mod-proxy ]; then
    echo "Debian's C mod_proxy from package proftpd-mod-proxy (same file name)"
  else
    echo "another mod_proxy.so, not this module${owner:+ (package $owner)}"
  fi
}

backup_name() {
  local base
  base="$1.bak-$(date +%Y%m%d-%H%M%S)"
  local name=$base n=1
  while [ -e "$name" ] || [ -L "$name" ]; do name="$base.$n"; n=$((n + 1)); done
  echo "$name"
}

install_files() {
  local dest=$1 system_dir=$2 target backup tmp link old
  target="$dest/mod_proxy.so"
  mkdir -p "$dest"
  if [ -f "$target" ] && [ ! -L "$target" ] && cmp -s "$SO" "$target"; then
    note "$target is already this build"
  else
    if [ -e "$target" ] || [ -L "$target" ]; then
      backup=$(backup_name "$target")
      say "existing $target is $(describe_module "$target" "$system_dir/mod_proxy.so")"
      cp -pP "$target" "$backup"
      note "backed up to $backup"
      # Of our own earlier builds keep only the latest backup; backups of any
      # other module (Debian's) stay.
      if is_our_build "$backup"; then
        for old in "$target".bak-*; do
          if [ "$old" != "$backup" ] && [ -f "$old" ] && is_our_build "$old"; then
            rm -f "$old"
            note "removed $old (an older backup of this module)"
          fi
        done
      fi
    fi
    # Write a new file and rename it over the old one: a running proftpd keeps
    # its mapping of the old image instead of seeing it change under it.
    tmp="$dest/.mod_proxy.so.new.$$"
    install -m 0644 "$SO" "$tmp"
    mv -f "$tmp" "$target"
    say "installed $target (mode 0644)"
  fi

  link="$dest/mod_proxy_protocol.so"
  if [ -L "$link" ] && [ "$(readlink "$link")" = mod_proxy.so ]; then
    note "$link -> mod_proxy.so already in place"
  else
    if [ -e "$link" ] || [ -L "$link" ]; then
      backup=$(backup_name "$link")
      mv -f "$link" "$backup"
      note "moved the existing $link to $backup"
    fi
    # A symlink, not a copy: glibc then maps one image, so there is one Swift
    # runtime in the process.
    ln -s mod_proxy.so "$link"
    say "linked $link -> mod_proxy.so"
  fi
}

# Registers a local dpkg diversion so that installing or upgrading Debian's
# proftpd-mod-proxy puts its file at mod_proxy.so.distrib instead of
# overwriting this module.
divert_debian_module() {
  local path="$1/mod_proxy.so"
  [ -z "${DESTDIR:-}" ] && command -v dpkg-divert >/dev/null 2>&1 || return 0
  if [ -n "$(dpkg-divert --listpackage "$path" 2>/dev/null)" ]; then
    note "dpkg diversion of $path already in place"
    return
  fi
  dpkg-divert --local --no-rename --divert "$path.distrib" --add "$path" >/dev/null
  note "dpkg diversion added: package proftpd-mod-proxy now installs its C module as $path.distrib"
  note "(undo with: dpkg-divert --local --no-rename --remove $path)"
}

# Runs 'proftpd -t' on a config that loads both modules from DIR and turns
# them on.
prove_it_loads() {   # prove_it_loads DIR WHAT [staged]
  local dir=$1 what=$2 tmp conf out rc
  new_temp_dir tmp mod_proxy-loadcheck
  conf="$tmp/proftpd.conf"
  cat >"$conf" <<EOF
# Written by install.sh to check that proftpd loads the module.
# A fixed address and name: without them proftpd resolves the host name and,
# where it does not resolve (common in containers), has "no valid servers".
ServerName "mod_proxy load check"
DefaultAddress 127.0.0.1
ModulePath $dir
LoadModule mod_proxy.c
LoadModule mod_proxy_protocol.c
<IfModule mod_proxy.c>
  ProxyEngine on
  ProxyRole reverse
  ProxyTables $tmp/tables
  ProxyReverseServers ftp://127.0.0.1:21
</IfModule>
<IfModule mod_proxy_protocol.c>
  ProxyProtocolEngine off
</IfModule>
EOF
  say "load check of $what: $PROFTPD -t -c <temp config with ModulePath $dir>"
  rc=0
  out=$("$PROFTPD" -t -d 10 -c "$conf" 2>&1) || rc=$?
  if [ "$rc" -ne 0 ] || ! grep -q "loaded module 'mod_proxy'" <<<"$out" \
     || ! grep -q "loaded module 'mod_proxy_protocol'" <<<"$out"; then
    printf '%s\n' "--- config:" >&2; cat "$conf" >&2
    printf '%s\n' "--- proftpd -t output:" >&2; printf '%s\n' "$out" >&2
    die "proftpd did not load mod_proxy.c and mod_proxy_protocol.c from $dir (exit status $rc)${3:+; nothing was installed}"
  fi
  grep -o "loaded module '[^']*' (from '[^']*'" <<<"$out" \
    | sed "s/loaded module '\([^']*\)' (from '\([^']*\)'/    loaded \1 from \2/"
  say "load check passed: proftpd loads both modules"
}

# --- main -------------------------------------------------------------------

packages=("${BUILD_PACKAGES[@]}")
if [ "$test_deps" -eq 1 ]; then packages+=("${TEST_PACKAGES[@]}"); fi
install_missing_packages "${packages[@]}"
if [ "$deps_only" -eq 1 ]; then exit 0; fi

build_and_verify
if [ "$build_only" -eq 1 ]; then
  say "built and checked: $SO (not installed: --build-only)"
  exit 0
fi

[ "$(id -u)" -eq 0 ] || [ -n "${DESTDIR:-}" ] || die "installing into proftpd's module directory needs root"
moddir=$(module_dir)
[ -n "$moddir" ] || die "'$PROFTPD -V' shows no \"Shared Module Directory\": this proftpd was built without DSO support (--enable-dso)"
dest="${DESTDIR:-}$moddir"
say "module directory: $moddir${DESTDIR:+ (under DESTDIR=$DESTDIR: $dest)}"

# Check that the new build loads before it replaces anything.
stage=""
new_temp_dir stage mod_proxy-stage
install -m 0644 "$SO" "$stage/mod_proxy.so"
ln -s mod_proxy.so "$stage/mod_proxy_protocol.so"
prove_it_loads "$stage" "the new build" staged

install_files "$dest" "$moddir"
divert_debian_module "$moddir"
prove_it_loads "$dest" "the installed module"

cat <<EOF

Done. To use the modules, load them in your proftpd configuration (Debian:
/etc/proftpd/modules.conf), mod_proxy_protocol last:
    LoadModule mod_proxy.c
    LoadModule mod_proxy_protocol.c
then restart proftpd fully (not with SIGHUP: the module image stays mapped
across reloads, so a reload would not pick up the new build). Examples:
contrib/reverse-proxy.conf, contrib/forward-proxy.conf, contrib/proxy-protocol.conf; a live demo:
contrib/demo.sh
EOF

if [ "$demo" -eq 1 ]; then
  [ -z "${DESTDIR:-}" ] || die "--demo needs a real install (DESTDIR is set)"
  rm -rf "${TMP_DIRS[@]}"   # exec skips the EXIT trap
  exec "$here/contrib/demo.sh"
fi
