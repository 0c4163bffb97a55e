// Slipway's minimal init, for images without an init system of their own (or when the caller
// does not want it). A POSIX sh script run as PID 1: it starts the image's SSH server if it has
// one, reaps orphaned processes (PID 1's duty), and on SIGTERM stops its services and exits 0 so a
// stop is clean and quick. It mounts nothing: the runtime has set up /proc, /sys, /dev and /run.

export const SLIPWAY_INIT_PATH = '/.slipway/init';

export function slipwayInitScript(): string {
  return `#!/bin/sh
# Slipway's minimal init (PID 1). Written by Slipway on every start; changes here are replaced.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
say() { echo "slipway-init: $*"; }
services=""
sleeper=""
stop() {
  say "stopping"
  kill -TERM $services $sleeper 2>/dev/null
  wait
  say "stopped"
  exit 0
}
trap stop TERM INT
if command -v dropbear >/dev/null 2>&1; then
  # -R makes host keys on first use and keeps them in /etc/dropbear; -F stays in the foreground; -E logs here.
  mkdir -p /etc/dropbear
  dropbear -R -F -E -p 22 &
  services="$services $!"
  say "dropbear started"
elif [ -x /usr/sbin/sshd ]; then
  ssh-keygen -A >/dev/null
  mkdir -p /run/sshd
  /usr/sbin/sshd -D -e &
  services="$services $!"
  say "sshd started"
else
  say "no SSH server in the image"
fi
say "ready on $(hostname)"
# The shell's wait reaps every exited child, orphans included; a trapped signal interrupts it.
while :; do
  sleep 3600 &
  sleeper=$!
  wait $sleeper
done
`;
}
