#!/usr/bin/env bash
# Installs the Quantix host suite into /opt/quantix and enables the agent and
# the direct console on tty1 (and optionally on a serial port).
set -euo pipefail

usage() {
  cat <<USAGE
Usage: scripts/systemd/install.sh [--prefix DIR] [--serial TTY] [--no-enable] [--help]

Builds the suite, copies it to the prefix (default /opt/quantix) with its
production dependencies, installs the systemd units and enables:
  quantix-node.service                    the host agent (HTTPS :8443)
  quantix-host-console@tty1.service       the direct console on tty1
  quantix-host-console-serial@TTY.service the console on a serial port (with --serial ttyS0)

Options:
  --prefix DIR   install location (default /opt/quantix)
  --serial TTY   also run the console on this serial port at 115200 baud (e.g. ttyS0)
  --no-enable    install files only; do not enable or start units
  --help         show this help

Run as root from a checkout of the project.
USAGE
}

prefix=/opt/quantix
serial=""
enable=1
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="${2:?--prefix needs a directory}"; shift 2 ;;
    --serial) serial="${2:?--serial needs a tty name such as ttyS0}"; shift 2 ;;
    --no-enable) enable=0; shift ;;
    --help|-h) usage; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

[ "$(id -u)" = 0 ] || { echo "install.sh: run as root (it writes $prefix and /etc/systemd/system)" >&2; exit 1; }
command -v node >/dev/null || { echo "install.sh: Node.js 20 or newer is required" >&2; exit 1; }

src=$(cd "$(dirname "$0")/../.." && pwd)
cd "$src"
npm ci
npm run build

install -d -m 0755 "$prefix"
cp -a dist package.json package-lock.json README.md "$prefix/"
(cd "$prefix" && npm ci --omit=dev)
install -d -m 0700 /var/lib/quantix-node

unit_dir=/etc/systemd/system
for unit in quantix-node.service quantix-host-console@.service quantix-host-console-serial@.service; do
  sed "s#/opt/quantix#$prefix#g" "scripts/systemd/$unit" > "$unit_dir/$unit"
  chmod 0644 "$unit_dir/$unit"
done
systemctl daemon-reload

if [ "$enable" = 1 ]; then
  systemctl enable --now quantix-node.service
  systemctl enable --now quantix-host-console@tty1.service
  [ -n "$serial" ] && systemctl enable --now "quantix-host-console-serial@$serial.service"
fi
echo "Installed to $prefix. Agent state: /var/lib/quantix-node, socket: /run/quantix/node.sock."
