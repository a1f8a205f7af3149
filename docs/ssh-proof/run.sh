#!/bin/bash
# Reproduces part 2 of docs/ssh-reverse-design.md: builds the throwaway
# mod_sshproof.c, runs Debian's proftpd + mod_sftp with it on a loopback port,
# drives OpenSSH's sftp through each scenario and prints what the module saw.
# With --ref it also runs the C reference module against a backend that
# rekeys every MiB (the crash of part 1.6).
#
#   docs/ssh-proof/run.sh [--ref]
#
# Needs root (proftpd drops to nobody), gcc, proftpd-dev, openssh-client.
# Everything lives in a fresh /tmp/sshproof.* directory; the daemons it
# starts are stopped by their pid files at the end.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d /tmp/sshproof.XXXXXX)
chmod 755 "$W"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
PIDFILES=()
cleanup() { for f in "${PIDFILES[@]}"; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done; }
trap cleanup EXIT

gcc -shared -fPIC -O2 -Wall -DHAVE_CONFIG_H -DLINUX -DPR_SHARED_MODULE -D_GNU_SOURCE \
    -I/usr/include/proftpd -o "$W/mod_sshproof.so" "$HERE/mod_sshproof.c" || exit 1

mkdir -p "$W/mods" "$W/home" "$W/keys" "$W/tables"
chown nobody:nogroup "$W/home"
ln -s /usr/lib/proftpd/mod_sftp.so "$W/mods/mod_sftp.so"
ln -s "$W/mod_sshproof.so" "$W/mods/mod_sshproof.so"
ssh-keygen -q -t rsa -b 2048 -m PEM -N '' -f "$W/keys/host_rsa"
ssh-keygen -q -t ecdsa -m PEM -N '' -f "$W/keys/host_ecdsa"
ssh-keygen -q -t ed25519 -N '' -f "$W/keys/user_ok"
ssh-keygen -q -t ed25519 -N '' -f "$W/keys/user_bad"
ssh-keygen -e -f "$W/keys/user_ok.pub" > "$W/keys/authorized_it"
cp "$W/keys/authorized_it" "$W/keys/authorized_pxuser"
mkdir -m 755 "$W/empty"
echo "it:$(openssl passwd -6 secret):65534:65534::$W/home:/bin/false" > "$W/ftpd.passwd"
echo "nogroup:x:65534:" > "$W/ftpd.group"
chmod 440 "$W/ftpd.passwd" "$W/ftpd.group"
printf '#!/bin/sh\necho secret\n' > "$W/askpass-good"
printf '#!/bin/sh\necho wrong\n' > "$W/askpass-bad"
chmod 755 "$W/askpass-good" "$W/askpass-bad"
head -c 3000000 /dev/urandom > "$W/big"

# daemon NAME PORT EXTRA-CONFIG: a standalone proftpd with mod_sftp and the proof module.
daemon() {
    local name=$1 port=$2 extra=$3
    cat > "$W/$name.conf" <<CONF
ServerType standalone
DefaultServer on
Port $port
DefaultAddress 127.0.0.1
PidFile $W/$name.pid
ScoreboardFile $W/$name.scoreboard
DelayTable none
WtmpLog off
User nobody
Group nogroup
UseIPv6 off
SystemLog $W/$name-system.log
$extra
SFTPEngine on
SFTPLog $W/$name-sftp.log
SFTPHostKey $W/keys/host_rsa
SFTPHostKey $W/keys/host_ecdsa
CONF
    proftpd -t -c "$W/$name.conf" >/dev/null 2>&1 || { echo "bad config $name"; proftpd -t -c "$W/$name.conf"; exit 1; }
    proftpd -c "$W/$name.conf"
    PIDFILES+=("$W/$name.pid")
    sleep 1
}
stop() { kill "$(cat "$W/$1.pid")"; sleep 1; }

PROOF="ModulePath $W/mods
LoadModule mod_sftp.c
LoadModule mod_sshproof.c
AuthOrder mod_sshproof.c mod_auth_file.c
AuthUserFile $W/ftpd.passwd
AuthGroupFile $W/ftpd.group
RequireValidShell off
AllowOverwrite on
SFTPAuthorizedUserKeys file:$W/keys/authorized_%u
SSHProofEngine on
SSHProofLog $W/proof.log
SSHProofAuth on
SSHProofHome $W/home"

# client PORT USER AUTH [ssh options...]: put, ls, get, rm of $SRC; prints ok/failed.
client() {
    local port=$1 user=$2 auth=$3; shift 3
    local opts=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR
                -o BatchMode=no -P "$port" -o PreferredAuthentications="$auth" "$@")
    rm -f "$W/down"
    SSH_ASKPASS=${ASKPASS:-$W/askpass-good} SSH_ASKPASS_REQUIRE=force DISPLAY=:0 \
        timeout 120 sftp "${opts[@]}" -b - "$user@127.0.0.1" >"$W/client.out" 2>&1 <<CMDS
${BATCH:-put ${SRC:-/etc/services} up.bin
ls -l
get up.bin $W/down
rm up.bin}
CMDS
    local rc=$?
    if [ -n "${BATCH:-}" ]; then echo "  client: rc $rc, $(grep -c . "$W/client.out") lines of output"
    elif [ $rc = 0 ] && cmp -s "${SRC:-/etc/services}" "$W/down"; then echo "  client: ok, file identical"
    else echo "  client: failed (rc $rc): $(tail -1 "$W/client.out")"; fi
}
seen() { echo "  proof log:"; cut -c25- "$W/proof.log" | sed 's/^mod_sshproof[^:]*: /    /' | grep -v "CHANNEL_DATA\|WINDOW_ADJUST\|hook '\|packet writer\|registration\|sess_init" | uniq -c | sed 's/^ *1 /      /'; : > "$W/proof.log"; }

daemon proof "$PORT" "$PROOF"
echo "== 1. local user 'it', password: hooks, packet handler, writer"
client "$PORT" it password; seen
echo "== 2. client rekeys every 256 KiB during a 3 MB put and get"
SRC=$W/big client "$PORT" it password -o RekeyLimit=256K
echo "  KEXINITs through the handler: $(grep -c 'KEXINIT' "$W/proof.log"), $(tail -1 "$W/proof.log" | sed 's/.*session end: //')"; : > "$W/proof.log"
echo "== 3. synthetic user 'pxuser', password decided by the authtable (right, then wrong)"
client "$PORT" pxuser password; ASKPASS=$W/askpass-bad client "$PORT" pxuser password; seen
echo "== 4. synthetic user 'pxuser', keyboard-interactive through the kbdint driver (right, then wrong)"
client "$PORT" pxuser keyboard-interactive; ASKPASS=$W/askpass-bad client "$PORT" pxuser keyboard-interactive; seen
stop proof

daemon proof "$PORT" "$PROOF
SSHProofVetoAuth on"
echo "== 5. auth-success handler that refuses: authorized key, then unauthorized key"
client "$PORT" it publickey -o IdentitiesOnly=yes -i "$W/keys/user_ok"
client "$PORT" it publickey -o IdentitiesOnly=yes -i "$W/keys/user_bad"; seen
echo "== 5b. the same for the synthetic user 'pxuser' (getpwnam from the authtable, key from authorized_%u)"
client "$PORT" pxuser publickey -o IdentitiesOnly=yes -i "$W/keys/user_ok"
client "$PORT" pxuser publickey -o IdentitiesOnly=yes -i "$W/keys/user_bad"; seen
stop proof

daemon proof "$PORT" "$PROOF
SSHProofChroot $W/empty"
echo "== 5c. success handler that chroots to an empty directory and drops root; client rekeys every 1 KiB afterwards"
BATCH="$(for i in $(seq 1 20); do echo ls -la; echo pwd; done)" client "$PORT" it password -o RekeyLimit=1K
echo "  $(grep -h 'chroot mode' "$W/proof.log" | sed 's/.*: auth-success/auth-success/')"
echo "  KEX completions after the chroot: $(sed -n '/chroot mode/,$p' "$W/proof.log" | grep -c 'kex.completed')"
echo "  $(tail -1 "$W/proof.log" | sed 's/.*session end: /session end: /')"
: > "$W/proof.log"
stop proof

daemon proof "$PORT" "$PROOF
SSHProofFakeExec on"
echo "== 5d. after auth the handler keeps CHANNEL_* packets and answers 'ssh host cmd' through the writer"
SSH_ASKPASS=$W/askpass-good SSH_ASKPASS_REQUIRE=force DISPLAY=:0 timeout 60 \
    ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
        -o PreferredAuthentications=password -p "$PORT" it@127.0.0.1 hello proof >"$W/exec.out" 2>&1
echo "  ssh exit code: $? (the handler sent exit-status 7); output:"
sed 's/^/    /' "$W/exec.out"
seen
stop proof

daemon proof "$PORT" "$PROOF
SFTPRekey required 60 1"
echo "== 6. mod_sftp rekeys every MiB it sends (SFTPRekey) during a 3 MB get"
SRC=$W/big client "$PORT" it password
echo "  client KEXINITs through the handler: $(grep 'KEXINIT' "$W/proof.log" | head -1 | sed 's/.*payload/payload/'), $(tail -1 "$W/proof.log" | sed 's/.*session end: //')"
stop proof

if [ "${1:-}" = "--ref" ]; then
    BPORT=$(free_port); FPORT=$(free_port)
    BACKEND="ModulePath $W/mods
LoadModule mod_sftp.c
AuthOrder mod_auth_file.c
AuthUserFile $W/ftpd.passwd
AuthGroupFile $W/ftpd.group
RequireValidShell off
AllowOverwrite on"
    daemon backend "$BPORT" "$BACKEND
SFTPRekey required 60 1"
    chmod 755 "$W/tables"
    daemon frontend "$FPORT" "ModulePath /opt/proxy-ref
LoadModule mod_tls.c
LoadModule mod_sftp.c
LoadModule mod_proxy.c
ProxyEngine on
ProxyRole reverse
ProxyTables $W/tables
ProxyLog $W/proxy.log
ProxyReverseServers sftp://127.0.0.1:$BPORT"
    echo "== 7. C reference module, small file"
    client "$FPORT" it password
    echo "== 8. C reference module, 3 MB put and get with a backend that rekeys every MiB, 5 times"
    for i in 1 2 3 4 5; do SRC=$W/big client "$FPORT" it password; done
    echo "  session processes killed by SIGSEGV: $(grep -c 'terminating (signal 11)' "$W/frontend-system.log") of 5"
    stop backend
    daemon backend "$BPORT" "$BACKEND
SFTPRekey none"
    head -c 50000000 /dev/urandom > "$W/50m"
    echo "== 9. memory: peak RSS of the session process for a 50 MB put and get (no rekeys)"
    for target in "frontend $FPORT C reference module" "backend $BPORT mod_sftp alone"; do
        set -- $target
        SRC=$W/50m client "$2" it password & cp=$!
        max=0
        while kill -0 $cp 2>/dev/null; do
            for c in $(pgrep -P "$(cat "$W/$1.pid")"); do
                r=$(awk '/VmRSS/ {print $2}' /proc/$c/status 2>/dev/null)
                [ -n "$r" ] && [ "$r" -gt "$max" ] && max=$r
            done
            sleep 0.2
        done
        echo "  ${*:3}: peak $((max / 1024)) MiB"
    done
fi
echo "(files in $W)"
