#!/usr/bin/env bash
# Installs the Quantix host suite into /opt/quantix and enables the agent and
# the direct console on tty1 (and optionally on a serial port).
set -euo pipefail

usage() {
  cat <<USAGE
Usage: scripts/systemd/install.sh [--prefix DIR] [--serial TTY] [--vdc] [--no-enable]
                                  [--no-build] [--unit-dir DIR] [--help]

Builds the suite, copies it to the prefix (default /opt/quantix) with its
production dependencies, installs the systemd units and enables:
  quantix-node.service                    the host agent (HTTPS :8443)
  quantix-host-console@tty1.service       the direct console on tty1
  quantix-host-console-serial@TTY.service the console on a serial port (with --serial ttyS0)
  quantix-vdc.service                     the vDC control plane (with --vdc; installed always)
The agent keeps its state in /var/lib/quantix-node and its socket in
/run/quantix/node.sock (systemd creates both, mode 0700). The vDC reads its
database URL from /etc/quantix/vdc.env (mode 0600; see vdc.env.example).

Options:
  --prefix DIR    install location (default /opt/quantix)
  --serial TTY    also run the console on this serial port at 115200 baud (e.g. ttyS0)
  --vdc           also enable and start the vDC (quantix-vdc.service)
  --no-enable     install files only; do not enable or start units
  --no-build      use the checkout's existing build and node_modules (npm ci, npm run build done)
  --unit-dir DIR  where unit files go (default /etc/systemd/system)
  --help          show this help

Run as root from a checkout of the project (any user with --unit-dir and a
writable --prefix, for a staged install).
USAGE
}

prefix=/opt/quantix
serial=""
enable=1
vdc=0
build=1
unit_dir=/etc/systemd/system
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="${2:?--prefix needs a directory}"; shift 2 ;;
    --serial) serial="${2:?--serial needs a tty name such as ttyS0}"; shift 2 ;;
    --unit-dir) unit_dir="${2:?--unit-dir needs a directory}"; shift 2 ;;
    --vdc) vdc=1; shift ;;
    --no-enable) enable=0; shift ;;
    --no-build) build=0; shift ;;
    --help|-h) usage; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$serial" in ""|tty[A-Za-z]*[0-9]) ;; *) echo "install.sh: --serial takes a tty name such as ttyS0, not $serial" >&2; exit 2 ;; esac

if [ "$unit_dir" = /etc/systemd/system ] && [ "$(id -u)" != 0 ]; then
  echo "install.sh: run as root (it writes $prefix and $unit_dir)" >&2
  exit 1
fi
node_bin=$(command -v node) || { echo "install.sh: Node.js 20 or newer is required" >&2; exit 1; }
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' \
  || { echo "install.sh: Node.js 20 or newer is required, found $(node --version)" >&2; exit 1; }

src=$(cd "$(dirname "$0")/../.." && pwd)
cd "$src"
if [ "$build" = 1 ]; then
  npm ci
  npm run build
fi
[ -f dist/host-console/agent/main.js ] || { echo "install.sh: no build in $src/dist (run npm ci && npm run build, or drop --no-build)" >&2; exit 1; }

# Stage next to the target and swap at the end, so a failed copy never leaves
# a half-installed prefix behind.
stage="$prefix.new.$$"
trap 'rm -rf "$stage"' EXIT
install -d -m 0755 "$stage"
cp -a dist docs node_modules package.json package-lock.json README.md "$stage/"
install -m 0644 scripts/systemd/vdc.env.example "$stage/vdc.env.example"
# The compiled native module is reused as built here; only dev packages go.
(cd "$stage" && npm prune --omit=dev --ignore-scripts --no-audit --no-fund >/dev/null)
rm -rf "$prefix.old"
[ -e "$prefix" ] && mv "$prefix" "$prefix.old"
mv "$stage" "$prefix"
rm -rf "$prefix.old"
trap - EXIT

install -d -m 0755 "$unit_dir"
for unit in quantix-node.service quantix-host-console@.service quantix-host-console-serial@.service quantix-vdc.service; do
  sed -e "s#/opt/quantix#$prefix#g" -e "s#/usr/bin/node#$node_bin#g" "scripts/systemd/$unit" > "$unit_dir/$unit"
  chmod 0644 "$unit_dir/$unit"
done

if [ "$enable" = 1 ]; then
  systemctl daemon-reload
  systemctl enable --now quantix-node.service
  systemctl enable --now quantix-host-console@tty1.service
  [ -n "$serial" ] && systemctl enable --now "quantix-host-console-serial@$serial.service"
  [ "$vdc" = 1 ] && systemctl enable --now quantix-vdc.service
  echo "Installed to $prefix and started. Agent state: /var/lib/quantix-node, socket: /run/quantix/node.sock."
else
  echo "Installed to $prefix; units in $unit_dir. Start with: systemctl daemon-reload && systemctl enable --now quantix-node.service quantix-host-console@tty1.service"
fi
