#!/usr/bin/env bash
# A live demo on loopback: a plain proftpd backend with user demo/demo, and a
# proftpd reverse proxy in front of it loading the INSTALLED mod_proxy.so.
# Connect any FTP client to the proxy; Ctrl-C (or SIGTERM) stops both daemons
# and removes the temporary directory.
set -euo pipefail

PROFTPD=${PROFTPD:-/usr/sbin/proftpd}
proxy_port=2100
backend_port=2121
modpath=""
keep=0

usage() {
  cat <<EOF
usage: contrib/demo.sh [--ports PROXY,BACKEND] [--modpath DIR] [--keep]

Starts on 127.0.0.1 a backend proftpd (default port $backend_port, user demo,
password demo) and a reverse proxy proftpd (default port $proxy_port) that loads
mod_proxy.so from proftpd's module directory (install it first: ./install.sh).
Both run in the foreground (-n); Ctrl-C stops them. Needs root.

  --ports P,B    proxy port P, backend port B
  --modpath DIR  load mod_proxy.so from DIR instead (e.g. /opt/proxy-ref for
                 Debian's C module, see bench/fetch-reference.sh)
  --keep         keep the temporary directory (configs, logs) on exit
EOF
}

die() { printf 'demo.sh: error: %s\n' "$*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --ports)
      [ $# -ge 2 ] || die "--ports needs PROXY,BACKEND"
      IFS=, read -r proxy_port backend_port <<<"$2"
      shift ;;
    --modpath) [ $# -ge 2 ] || die "--modpath needs a directory"; modpath=$2; shift ;;
    --keep) keep=1 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
  shift
done

for p in "$proxy_port" "$backend_port"; do
  if ! [[ "$p" =~ ^[0-9]{1,5}$ ]] || [ "$p" -lt 1 ] || [ "$p" -gt 65535 ]; then
    die "port '$p' is not a number from 1 to 65535"
  fi
done
[ "$proxy_port" != "$backend_port" ] || die "the proxy and the backend need different ports"
[ "$(id -u)" -eq 0 ] || die "run as root: proftpd binds its ports and switches to user nobody"
[ -x "$PROFTPD" ] || die "$PROFTPD not found (apt-get install proftpd-core)"
command -v openssl >/dev/null || die "openssl not found (apt-get install openssl), needed for the password hash"

system_modpath=$("$PROFTPD" -V 2>/dev/null | awk '
  done { next }
  found && NF { print $1; done = 1; next }
  /Shared Module Directory:/ { sub(/.*Shared Module Directory:[[:space:]]*/, ""); if (NF) { print $1; done = 1 } else found = 1 }')
[ -n "$system_modpath" ] || die "'$PROFTPD -V' shows no Shared Module Directory: proftpd lacks DSO support"
modpath=${modpath:-$system_modpath}
[ -f "$modpath/mod_proxy.so" ] || die "$modpath/mod_proxy.so does not exist: run ./install.sh first"

# Say which module this is: ours exports exactly two symbols (nm prints
# local ones in lowercase).
exported=$(nm -D --defined-only "$modpath/mod_proxy.so" 2>/dev/null | awk '$2 ~ /^[A-Zu]$/ { print $NF }' | sort | tr '\n' ' ')
if [ "$exported" = "proxy_module proxy_protocol_module " ]; then
  module_kind="the Swift mod_proxy"
else
  module_kind="a mod_proxy.so that is NOT the Swift module (Debian's C module?)"
fi

tmp=$(mktemp -d /tmp/mod_proxy-demo.XXXXXX)
chmod 0755 "$tmp"   # the session processes run as nobody
pids=()

# shellcheck disable=SC2317 # runs from the traps
cleanup() {
  trap - EXIT INT TERM
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$keep" -eq 1 ]; then
    echo "demo: stopped; configs and logs kept in $tmp"
  else
    rm -rf "$tmp"
    echo "demo: stopped, $tmp removed"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- the demo user and its files -------------------------------------------
home="$tmp/home"
mkdir -p "$home/pub" "$home/upload"
echo "Hello from the backend behind mod_proxy." >"$home/welcome.txt"
head -c 1048576 /dev/urandom >"$home/pub/1MiB.bin"
chown -R 65534:65534 "$home"
hash=$(openssl passwd -6 demo)
echo "demo:$hash:65534:65534:demo user:$home:/bin/false" >"$tmp/ftpd.passwd"
echo "nogroup:x:65534:" >"$tmp/ftpd.group"
chmod 0440 "$tmp/ftpd.passwd" "$tmp/ftpd.group"   # mod_auth_file refuses world-readable files
mkdir -p "$tmp/backend" "$tmp/proxy/tables"

# Settings both daemons share: loopback only, own pid/scoreboard/log files.
common() {   # common NAME PORT
  cat <<EOF
ServerName "mod_proxy demo $1"
ServerType standalone
DefaultServer on
Port $2
DefaultAddress 127.0.0.1
SocketBindTight on
UseIPv6 off
User nobody
Group nogroup
PidFile $tmp/$1/proftpd.pid
ScoreboardFile $tmp/$1/proftpd.scoreboard
SystemLog $tmp/$1/system.log
DelayTable none
WtmpLog off
UseReverseDNS off
<IfModule mod_ident.c>
  IdentLookups off
</IfModule>
<IfModule mod_ctrls.c>
  ControlsEngine off
</IfModule>
EOF
}

{
  common backend "$backend_port"
  cat <<EOF
AuthOrder mod_auth_file.c
AuthUserFile $tmp/ftpd.passwd
AuthGroupFile $tmp/ftpd.group
RequireValidShell off
DefaultRoot ~
AllowOverwrite on
TransferLog $tmp/backend/xferlog
EOF
} >"$tmp/backend/proftpd.conf"

# Debian's C mod_proxy takes its OpenSSL symbols from mod_tls, so load mod_tls
# first when it is there (the Swift module does not need it).
tls_load=""
if [ -f "$system_modpath/mod_tls.so" ]; then
  tls_load="ModulePath $system_modpath
LoadModule mod_tls.c
<IfModule mod_tls.c>
  TLSEngine off
</IfModule>"
fi
{
  common proxy "$proxy_port"
  cat <<EOF
$tls_load
ModulePath $modpath
LoadModule mod_proxy.c
<IfModule mod_proxy.c>
  ProxyEngine on
  ProxyLog $tmp/proxy/proxy.log
  ProxyTables $tmp/proxy/tables
  ProxyRole reverse
  ProxyReverseConnectPolicy RoundRobin
  ProxyReverseServers ftp://127.0.0.1:$backend_port
  # The backend speaks plain FTP; don't probe it for TLS.
  ProxyTLSEngine off
</IfModule>
EOF
} >"$tmp/proxy/proftpd.conf"

# --- start -----------------------------------------------------------------
port_busy() {   # port_busy PORT: something accepts connections on it
  { exec 4<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
  exec 4<&- 4>&-
}
for p in "$proxy_port" "$backend_port"; do
  if port_busy "$p"; then
    die "port $p on 127.0.0.1 is already in use; choose others with --ports PROXY,BACKEND"
  fi
done

start() {   # start NAME PORT
  local out
  out=$("$PROFTPD" -t -c "$tmp/$1/proftpd.conf" 2>&1) \
    || die "the $1 configuration does not pass 'proftpd -t':
$out"
  # setsid: a Ctrl-C in the terminal reaches this script only, which then
  # stops the daemons itself.
  setsid "$PROFTPD" -n -c "$tmp/$1/proftpd.conf" >>"$tmp/$1/stderr.log" 2>&1 &
  pids+=($!)
}

# Waits until PORT answers with a 220 greeting from the daemon just started.
wait_banner() {   # wait_banner NAME PORT
  local tries line pid=${pids[-1]}
  for tries in $(seq 50 -1 1); do
    kill -0 "$pid" 2>/dev/null || break
    # The braces keep 2>/dev/null from sticking to the shell (exec).
    if { exec 3<>"/dev/tcp/127.0.0.1/$2"; } 2>/dev/null; then
      line=""
      IFS= read -r -t 5 line <&3 || true
      exec 3<&- 3>&-
      case "$line" in 220*) return 0 ;; esac
    fi
    [ "$tries" -eq 1 ] || sleep 0.2
  done
  echo "demo: the $1 did not answer on 127.0.0.1:$2; its logs:" >&2
  tail -n 20 "$tmp/$1/system.log" "$tmp/$1/stderr.log" >&2 2>/dev/null || true
  exit 1
}

start backend "$backend_port"
wait_banner backend "$backend_port"
start proxy "$proxy_port"
wait_banner proxy "$proxy_port"

cat <<EOF

mod_proxy demo is running ($module_kind from $modpath/mod_proxy.so)

  client -> proxy 127.0.0.1:$proxy_port -> backend 127.0.0.1:$backend_port
  user: demo   password: demo   files: welcome.txt, pub/1MiB.bin, upload/ (writable)

Connect with any FTP client to the proxy:
  curl ftp://demo:demo@127.0.0.1:$proxy_port/
  curl ftp://demo:demo@127.0.0.1:$proxy_port/welcome.txt
  curl -T somefile ftp://demo:demo@127.0.0.1:$proxy_port/upload/
  lftp -u demo,demo -p $proxy_port 127.0.0.1
  ftp 127.0.0.1 $proxy_port          (then user demo, password demo)
  FileZilla: host 127.0.0.1, port $proxy_port, user demo, password demo,
             protocol FTP, encryption "Only use plain FTP"

Logs:
  proxy:   $tmp/proxy/system.log  $tmp/proxy/proxy.log
  backend: $tmp/backend/system.log  $tmp/backend/xferlog
Configs: $tmp/proxy/proftpd.conf  $tmp/backend/proftpd.conf

Press Ctrl-C to stop.
EOF

# Returns when a daemon exits (or on a signal, which runs cleanup).
wait -n "${pids[@]}" || true
echo "demo: a daemon exited; see the logs above" >&2
exit 1
