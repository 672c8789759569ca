#!/bin/sh
# Installs kvsmaster as a systemd service:
#   binary       -> $DESTDIR/usr/local/bin/kvsmaster
#   unit         -> $DESTDIR/etc/systemd/system/kvsmaster.service
#   environment  -> $DESTDIR/etc/kvsmaster/kvsmaster.env   (from kvsmaster.env.example, only if absent)
#   config       -> $DESTDIR/etc/kvsmaster/kvsmaster.conf  (from config/kvsmaster.conf.example, only if absent)
#   CA bundle    -> $DESTDIR/etc/kvsmaster/certs/amazon-root-cas.pem
# and creates the `kvsmaster` system user in the video and audio groups.
#
# Usage: sudo systemd/install.sh [path/to/kvsmaster]
#   The binary defaults to $KVSMASTER_BINARY, else .build/release/kvsmaster, else .build/debug/kvsmaster.
#   DESTDIR=/some/dir systemd/install.sh  installs into that folder only: no user is created,
#   no ownership is changed and systemctl is not called (for packaging and tests).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
destdir=${DESTDIR:-}
user=kvsmaster

binary=${1:-${KVSMASTER_BINARY:-}}
if [ -z "$binary" ]; then
    for candidate in "$root/.build/release/kvsmaster" "$root/.build/debug/kvsmaster"; do
        if [ -x "$candidate" ]; then binary=$candidate; break; fi
    done
fi
if [ -z "$binary" ] || [ ! -f "$binary" ]; then
    echo "install.sh: no kvsmaster binary found; build it (swift build -c release) or pass its path" >&2
    exit 1
fi

if [ -z "$destdir" ] && [ "$(id -u)" -ne 0 ]; then
    echo "install.sh: run as root (or set DESTDIR for an install into a folder)" >&2
    exit 1
fi

say() { echo "install.sh: $*"; }

create_user() {
    for group in video audio; do
        if ! getent group "$group" >/dev/null; then
            say "creating group $group"
            if command -v groupadd >/dev/null; then groupadd --system "$group"; else addgroup -S "$group"; fi
        fi
    done
    if getent passwd "$user" >/dev/null; then
        say "user $user exists; adding it to video and audio"
        if command -v usermod >/dev/null; then usermod -a -G video,audio "$user"; else
            addgroup "$user" video; addgroup "$user" audio; fi
    else
        say "creating system user $user (groups video, audio)"
        if command -v useradd >/dev/null; then
            useradd --system --user-group --no-create-home --home-dir /var/lib/kvsmaster \
                --shell /usr/sbin/nologin --groups video,audio "$user"
        else
            # BusyBox
            adduser -S -D -H -h /var/lib/kvsmaster -s /sbin/nologin "$user"
            addgroup "$user" video; addgroup "$user" audio
        fi
    fi
}

if [ -z "$destdir" ]; then create_user; else say "DESTDIR=$destdir: not creating user $user"; fi

etc="$destdir/etc/kvsmaster"
install -d -m 0755 "$destdir/usr/local/bin" "$destdir/etc/systemd/system"
install -d -m 0750 "$etc"
install -d -m 0755 "$etc/certs"
install -m 0755 "$binary" "$destdir/usr/local/bin/kvsmaster"
install -m 0644 "$here/kvsmaster.service" "$destdir/etc/systemd/system/kvsmaster.service"
install -m 0644 "$root/certs/amazon-root-cas.pem" "$etc/certs/amazon-root-cas.pem"
install -m 0644 "$here/kvsmaster.env.example" "$etc/kvsmaster.env.example"
install -m 0644 "$root/config/kvsmaster.conf.example" "$etc/kvsmaster.conf.example"

# Never overwrite what the operator has edited.
for pair in "kvsmaster.env:$here/kvsmaster.env.example" "kvsmaster.conf:$root/config/kvsmaster.conf.example"; do
    name=${pair%%:*}
    source=${pair#*:}
    if [ -e "$etc/$name" ]; then
        say "keeping existing $etc/$name"
    else
        install -m 0640 "$source" "$etc/$name"
        say "installed $etc/$name (edit it)"
    fi
done

if [ -z "$destdir" ]; then
    chown root:"$user" "$etc" "$etc/kvsmaster.env" "$etc/kvsmaster.conf"
    if [ -d /run/systemd/system ]; then
        systemctl daemon-reload
        say "next: set channel-name in $etc/kvsmaster.conf and credentials in $etc/kvsmaster.env,"
        say "      then: systemctl enable --now kvsmaster && journalctl -u kvsmaster -f"
    else
        say "systemd is not running here; the unit is installed for the next boot"
    fi
fi
say "done"
