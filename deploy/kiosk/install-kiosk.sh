#!/bin/sh
# Make a Debian 12 PC a locked Madoguchi kiosk that starts at boot (docs/kiosk.md, Deployment).
#
#   install-kiosk.sh --wheelhouse DIR --server wss://hub.city.example/ws --token-file FILE
#   install-kiosk.sh --root /srv/image ...      # into a root being built (an image, a chroot)
#
# What it does, each step safe to repeat:
#   1. the Debian packages (apt-get; for --root, that root's own business: they are listed);
#   2. the `kiosk` system user: no password, no shell, its own home;
#   3. /opt/madoguchi/venv with madoguchi[kiosk] from the wheelhouse alone (no internet);
#   4. /etc/madoguchi/kiosk.toml with the hub's URL and the device token, root:kiosk 640
#      (kept as it is if it exists: edit it for the other settings);
#   5. madoguchi-kiosk.service, enabled: cage runs the app on tty1 as `kiosk` from boot;
#   6. the lockdown: no login prompt on tty1 or other consoles, no Ctrl+Alt+Del, no power key,
#      no Magic SysRq.
#
# The wheelhouse is built on a machine with internet, from a checkout of the same release:
#   python3.11 -m pip wheel --wheel-dir wheelhouse '.[kiosk]'
set -eu

PACKAGES="cage xwayland python3 python3-venv libegl1 libgl1 libfontconfig1 libxkbcommon0
libwayland-client0 libwayland-cursor0 libwayland-egl1 libdbus-1-3 libglib2.0-0 libpulse0
libportaudio2 fonts-noto-cjk pipewire pipewire-alsa pipewire-pulse wireplumber dbus-user-session"
APP_DIR=/opt/madoguchi
CONFIG=/etc/madoguchi/kiosk.toml
UNIT=madoguchi-kiosk.service
KIOSK_USER=kiosk
KIOSK_HOME=/var/lib/madoguchi-kiosk
HERE=$(dirname "$(readlink -f "$0")")

usage() {
    sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 64
}
say() { printf 'install-kiosk: %s\n' "$*"; }
die() {
    printf 'install-kiosk: %s\n' "$*" >&2
    exit 1
}

root=/
wheelhouse=
server=
token_file=
while [ $# -gt 0 ]; do
    case $1 in
    --root) root=$2 && shift 2 ;;
    --wheelhouse) wheelhouse=$2 && shift 2 ;;
    --server) server=$2 && shift 2 ;;
    --token-file) token_file=$2 && shift 2 ;;
    -h | --help) usage ;;
    *) usage ;;
    esac
done
[ "$(id -u)" = 0 ] || die "run it as root"
[ -n "$wheelhouse" ] || usage
[ -d "$wheelhouse" ] || die "no wheelhouse at $wheelhouse"
root=$(readlink -f "$root")
[ -d "$root/etc" ] || die "$root has no /etc: not a root file system"
# $R prefixes every path written, so that / and an image root are the same code.
if [ "$root" = / ]; then R=; else R=$root; fi
live_systemd=no
if [ -z "$R" ] && [ -d /run/systemd/system ]; then live_systemd=yes; fi
systemctl_() {
    if [ -z "$R" ]; then systemctl "$@"; else systemctl --root="$R" "$@"; fi
}

# 1. Debian packages.
if [ -z "$R" ]; then
    say "Debian packages"
    # shellcheck disable=SC2086 # a list of names
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $PACKAGES
else
    say "into $R: its Debian packages are the image's: $(echo $PACKAGES)"
fi

# 2. The kiosk user.
if ! grep -q "^$KIOSK_USER:" "$R/etc/passwd"; then
    say "user $KIOSK_USER"
    if [ -z "$R" ]; then set --; else set -- --root "$R"; fi
    useradd "$@" --system --user-group --create-home --home-dir "$KIOSK_HOME" \
        --shell /usr/sbin/nologin --comment "Madoguchi kiosk" "$KIOSK_USER"
fi
# Numbers from the target's own files: in an image root, the names mean nothing to chown.
uid=$(awk -F: -v u="$KIOSK_USER" '$1 == u { print $3 }' "$R/etc/passwd")
gid=$(awk -F: -v u="$KIOSK_USER" '$1 == u { print $4 }' "$R/etc/passwd")
install -d -m 700 -o "$uid" -g "$gid" "$R$KIOSK_HOME"

# 3. The app, owned by root: the kiosk user can run it, not change it.
say "$APP_DIR/venv from $wheelhouse"
[ -x "$R$APP_DIR/venv/bin/python" ] || /usr/bin/python3 -m venv "$R$APP_DIR/venv"
"$R$APP_DIR/venv/bin/python" -m pip install --quiet --no-index --find-links "$wheelhouse" \
    --upgrade "madoguchi[kiosk]"
if [ -n "$R" ]; then
    # pip wrote the image's path into the scripts' first lines; at boot the venv is at $APP_DIR.
    grep -l -I "$R$APP_DIR/venv" "$R$APP_DIR/venv/bin/"* | while read -r script; do
        sed -i "s|$R$APP_DIR/venv|$APP_DIR/venv|g" "$script"
    done
fi
install -D -m 755 "$HERE/madoguchi-kiosk-session" "$R$APP_DIR/bin/madoguchi-kiosk-session"

# 4. The settings: the token in them is the kiosk's password to the hub.
install -d -m 750 -o 0 -g "$gid" "$R/etc/madoguchi"
if [ -e "$R$CONFIG" ]; then
    say "$CONFIG is there: kept"
else
    [ -n "$server" ] && [ -n "$token_file" ] || die "no $CONFIG yet: give --server and --token-file"
    case $server in ws://* | wss://*) ;; *) die "--server is a ws:// or wss:// URL" ;; esac
    token=$(tr -d '[:space:]' <"$token_file")
    # Both go into TOML strings: nothing there may end the string.
    for value in "$server" "$token"; do
        case $value in *[[:space:]\"\\]* | "") die "not a URL or token: $value" ;; esac
    done
    say "$CONFIG"
    (
        umask 077
        printf '[kiosk]\nserver = "%s"\ntoken = "%s"\n' "$server" "$token" >"$R$CONFIG.new"
    )
    chown 0:"$gid" "$R$CONFIG.new"
    chmod 640 "$R$CONFIG.new"
    mv "$R$CONFIG.new" "$R$CONFIG"
fi
chown 0:"$gid" "$R$CONFIG"
chmod 640 "$R$CONFIG"

# 5. The unit.
say "$UNIT"
install -D -m 644 "$HERE/$UNIT" "$R/etc/systemd/system/$UNIT"
systemctl_ enable "$UNIT"
systemctl_ set-default graphical.target

# 6. The lockdown.
say "lockdown"
install -D -m 644 "$HERE/logind-kiosk.conf" "$R/etc/systemd/logind.conf.d/madoguchi-kiosk.conf"
install -D -m 644 "$HERE/sysctl-kiosk.conf" "$R/etc/sysctl.d/60-madoguchi-kiosk.conf"
if [ -L "$R/etc/systemd/system/getty.target.wants/getty@tty1.service" ]; then
    systemctl_ disable getty@tty1.service
fi
systemctl_ mask ctrl-alt-del.target

if [ "$live_systemd" = yes ]; then
    systemctl daemon-reload
    say "done: reboot to start the kiosk (or: systemctl start $UNIT)"
else
    say "done: the kiosk starts when $root boots"
fi
