#!/bin/sh
# Install what a fresh Debian 12 lacks to build and test OpenWMI.
# Runs apt-get as root, or through sudo for other users; installs nothing
# that is already there.
set -eu

packages="build-essential meson ninja-build pkg-config python3 libsqlite3-dev libcmocka-dev
clang libclang-rt-14-dev llvm sqlite3 python3-pytest libsystemd-dev dbus-daemon
systemd-journal-remote libcbor-dev libevent-dev libssl-dev libpam0g-dev openssl
python3-dev"

missing=""
for p in $packages; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
                missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
        sudo=""
elif command -v sudo >/dev/null 2>&1; then
        sudo="sudo"
else
        echo "install-deps: need root (or sudo) to install:$missing" >&2
        exit 1
fi
echo "install-deps: installing$missing"
$sudo apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
