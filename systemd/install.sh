#!/usr/bin/env bash
# Install the lobby kiosk or its central service on Raspberry Pi OS / Debian 12 (Bookworm).
#
#   systemd/install.sh kiosk|central     (what `make install-kiosk` / `make install-central` run)
#
# DRY_RUN=1      print every step and change nothing at all.
# DESTDIR=/abs   put the files under DESTDIR (a staging tree, e.g. for an image build) and skip
#                every step that acts on the running system: packages, users, the virtualenv,
#                systemctl, udev, kernel modules. Nothing outside DESTDIR is touched.
# Otherwise it must run as root, and installs onto this machine. Running it again upgrades the
# code and the units; it never overwrites a config file that exists.
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROLE=${1:-}
DRY_RUN=${DRY_RUN:-}
[[ $DRY_RUN == 0 || $DRY_RUN == no || $DRY_RUN == false ]] && DRY_RUN=
DESTDIR=${DESTDIR:-}
APP=/opt/lobby-kiosk
VENV=$APP/.venv

# Packages at run time (Raspberry Pi OS Lite has none of them). No X server: Kivy's bundled SDL2
# drives the screen through KMS/DRM (Mesa's libgl1-mesa-dri, libgbm1), touch through libmtdev1.
KIOSK_PKGS="python3-venv python3-dev build-essential swig pcscd libccid libpcsclite-dev \
libusb-1.0-0 fonts-wqy-microhei fontconfig libgl1 libegl1 libgles2 libgl1-mesa-dri libgbm1 \
libdrm2 libmtdev1"
CENTRAL_PKGS="python3-venv python3-dev build-essential"

die() { echo "install: $*" >&2; exit 2; }
step() { echo "==> $*"; }

# A command that changes the running system: shown, and run only on a real install.
sys() {
    if [[ -n $DRY_RUN || -n $DESTDIR ]]; then
        echo "    (skipped${DESTDIR:+: DESTDIR set}${DRY_RUN:+: dry run}) $*"
    else
        echo "    + $*"
        "$@"
    fi
}

# The same, for a step that may fail without harm (a module that is not loaded).
sys_try() {
    sys "$@" || echo "    (did not succeed; nothing to undo)"
}

# install(1) a file under DESTDIR; owner/group only on a real install (a staging tree has no
# such users). With keep=1 an existing file is left alone (configs an installer has edited).
put() {
    local src=$1 dest=$2 mode=$3 owner=${4:-root} group=${5:-root} keep=${6:-}
    local target=$DESTDIR$dest
    if [[ -n $keep && -e $target ]]; then
        echo "    = $dest exists; kept as it is"
        return
    fi
    if [[ -n $DRY_RUN ]]; then
        echo "    (dry run) install -m $mode $src -> $dest"
        return
    fi
    echo "    + $dest"
    if [[ -n $DESTDIR ]]; then
        install -D -m "$mode" "$src" "$target"
    else
        install -D -m "$mode" -o "$owner" -g "$group" "$src" "$target"
    fi
}

mkdir_() {  # mkdir_ PATH MODE [OWNER GROUP]
    local target=$DESTDIR$1
    if [[ -n $DRY_RUN ]]; then
        echo "    (dry run) install -d -m $2 $1"
    elif [[ -n $DESTDIR ]]; then
        install -d -m "$2" "$target"
    else
        install -d -m "$2" -o "${3:-root}" -g "${4:-root}" "$target"
    fi
}

check_args() {
    [[ $ROLE == kiosk || $ROLE == central ]] || die "usage: $0 kiosk|central"
    if [[ -n $DESTDIR ]]; then
        [[ $DESTDIR == /* ]] || die "DESTDIR must be an absolute path, not '$DESTDIR'"
        [[ $(realpath -m "$DESTDIR") != / ]] || die "DESTDIR=/ is this machine: leave DESTDIR unset to install here"
    fi
    if [[ -z $DRY_RUN && -z $DESTDIR && $(id -u) != 0 ]]; then
        die "run as root (sudo make install-$ROLE), or try DRY_RUN=1 to see the steps"
    fi
    if [[ -z $DRY_RUN && -z $DESTDIR ]]; then
        grep -qE '^VERSION_CODENAME=bookworm' /etc/os-release 2>/dev/null ||
            echo "install: warning: written for Debian 12 / Raspberry Pi OS Bookworm; this is not it" >&2
    fi
}

packages() {
    step "Debian packages"
    sys apt-get update -qq
    # shellcheck disable=SC2086  # the lists are meant to split into words
    sys env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $1
}

system_user() {  # system_user NAME HOME GROUPS...
    local name=$1 home=$2
    shift 2
    step "system user $name"
    if [[ -z $DRY_RUN && -z $DESTDIR ]] && id -u "$name" >/dev/null 2>&1; then
        echo "    = $name exists"
    else
        sys useradd --system --user-group --home-dir "$home" --no-create-home \
            --shell /usr/sbin/nologin "$name"
    fi
    local g
    for g in "$@"; do
        # Only groups this system has (render exists on Bookworm, not on older releases).
        if [[ -n $DRY_RUN || -n $DESTDIR ]] || getent group "$g" >/dev/null; then
            sys usermod -a -G "$g" "$name"
        fi
    done
}

app_code() {  # app_code EXTRAS  ("[ui]" for the kiosk, "" for central)
    step "application code in $APP and its virtualenv"
    if [[ -n $DRY_RUN ]]; then
        echo "    (dry run) copy $SRC (without .venv, var, .git, caches) -> $APP"
    else
        mkdir_ "$APP" 0755
        # Only what the package needs: tests, the checkout's own venv and demo data stay behind.
        tar -C "$SRC" --exclude=.venv --exclude=var --exclude=.git --exclude=__pycache__ \
            --exclude=.pytest_cache --exclude=.ruff_cache --exclude=tests --exclude=bench --exclude=conftest.py \
            --exclude='*.egg-info' --exclude=build -cf - . | tar -C "$DESTDIR$APP" -xf -
        echo "    + $APP"
    fi
    sys python3 -m venv "$VENV"
    sys "$VENV/bin/pip" install -q --upgrade pip
    sys "$VENV/bin/pip" install -q "$APP$1"
}

install_kiosk() {
    packages "$KIOSK_PKGS"
    # dialout, lp: relay, scanner, ID reader, printer; video, render, input: KMS/DRM and touch.
    system_user kiosk /var/lib/lobby-kiosk dialout lp video render input
    app_code "[ui]"

    step "config, units, udev rules, the NFC blacklist"
    mkdir_ /etc/lobby-kiosk 0755
    local fresh_config=
    [[ -e $DESTDIR/etc/lobby-kiosk/kiosk.toml ]] || fresh_config=1
    put "$SRC/systemd/kiosk.toml.example" /etc/lobby-kiosk/kiosk.toml 0640 root kiosk keep
    put "$SRC/systemd/lobby-kiosk.service" /etc/systemd/system/lobby-kiosk.service 0644
    put "$SRC/systemd/lobby-kiosk.conf" /etc/tmpfiles.d/lobby-kiosk.conf 0644
    put "$SRC/systemd/90-lobby-kiosk.rules" /etc/udev/rules.d/90-lobby-kiosk.rules 0644 root root keep
    put "$SRC/systemd/lobby-kiosk-nfc-blacklist.conf" /etc/modprobe.d/lobby-kiosk-nfc-blacklist.conf 0644
    # The kiosk's own state directory (systemd would create it at first start, but the Kivy
    # config goes in it now, and must be the kiosk user's: Kivy writes it back).
    mkdir_ /var/lib/lobby-kiosk 0700 kiosk kiosk
    mkdir_ /var/lib/lobby-kiosk/kivy 0700 kiosk kiosk
    put "$SRC/systemd/kivy-config.ini" /var/lib/lobby-kiosk/kivy/config.ini 0600 kiosk kiosk keep

    step "activate: state directory, udev names, pcscd, no desktop, the service"
    sys systemd-tmpfiles --create /etc/tmpfiles.d/lobby-kiosk.conf
    # pn533 may already hold an ACR122U plugged in before the blacklist existed.
    sys_try modprobe -r pn533_usb pn533 nfc
    sys udevadm control --reload-rules
    sys udevadm trigger --action=add --subsystem-match=tty --subsystem-match=usbmisc --subsystem-match=usb
    sys systemctl daemon-reload
    sys systemctl enable --now pcscd.socket
    # The touchscreen is the kiosk's own (KMS/DRM): boot to the console, not to a desktop.
    sys systemctl set-default multi-user.target
    sys systemctl enable lobby-kiosk.service
    if [[ -z $DRY_RUN && -z $DESTDIR ]]; then
        echo "    USB port paths of the serial devices plugged in now (for the udev rules):"
        local dev
        for dev in /dev/ttyUSB* /dev/ttyACM* /dev/usb/lp*; do
            [[ -e $dev ]] || continue
            echo "      $dev  $(udevadm info -q property -n "$dev" | grep '^ID_PATH=' || true)"
        done
    fi
    if [[ -n $fresh_config ]]; then
        echo "Next: edit /etc/lobby-kiosk/kiosk.toml and /etc/udev/rules.d/90-lobby-kiosk.rules,"
        echo "      then: sudo systemctl start lobby-kiosk && journalctl -fu lobby-kiosk"
    else
        sys systemctl restart lobby-kiosk.service
    fi
}

install_central() {
    packages "$CENTRAL_PKGS"
    system_user lobby-central /var/lib/lobby-central
    app_code ""

    step "environment file and unit"
    mkdir_ /etc/lobby-central 0750 root lobby-central
    local fresh=
    [[ -e $DESTDIR/etc/lobby-central/env ]] || fresh=1
    put "$SRC/systemd/lobby-central.env.example" /etc/lobby-central/env 0640 root lobby-central keep
    put "$SRC/systemd/lobby-central.service" /etc/systemd/system/lobby-central.service 0644

    step "activate"
    sys systemctl daemon-reload
    sys systemctl enable lobby-central.service
    if [[ -n $fresh ]]; then
        sys systemctl start lobby-central.service
    else
        sys systemctl restart lobby-central.service
    fi
    echo "Next: create the first console login (password on stdin):"
    echo "  sudo runuser -u lobby-central -- env CENTRAL_DATA_DIR=/var/lib/lobby-central \\"
    echo "       $VENV/bin/central users add admin --role admin"
    echo "and put a TLS reverse proxy in front of 127.0.0.1:8600 (README, \"Deployment\")."
}

check_args
echo "Installing lobby-kiosk ($ROLE) from $SRC${DESTDIR:+ into $DESTDIR}${DRY_RUN:+ (dry run: nothing is changed)}"
"install_$ROLE"
echo "Done."
