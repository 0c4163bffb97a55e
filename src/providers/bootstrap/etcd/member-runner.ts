// The script that runs etcd on a member's machine, written there by the bootstrap data. Machines may
// have no service manager (Slipway's container machines run a minimal init), so it brings its own:
// a supervisor in its own session that restarts etcd when it exits and stops it on SIGTERM. etcd runs
// as Debian's etcd user from /usr/bin/etcd (package etcd-server) with the environment file's
// settings. The script takes no input but that file: nothing user-given is spliced into it.
import { memberPaths } from './member-configuration.ts';

export function memberRunnerScript(): string {
  return `#!/bin/bash
# Slipway's etcd runner (written by the machine's bootstrap data).
#   start               start etcd under a supervisor that restarts it; does nothing if it runs
#   wait-healthy [SECS] wait until etcd answers its health check (default 600 s)
set -u
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ENV_FILE=${memberPaths.environmentFile}
LOG=${memberPaths.log}
RUN_DIR=/run/slipway-etcd
PID_FILE=$RUN_DIR/supervisor.pid

load() { set -a; . "$ENV_FILE"; set +a; }

running() { [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; }

check_version() {
  [ -n "\${SLIPWAY_ETCD_VERSION:-}" ] || return 0
  local have
  have=$(/usr/bin/etcd --version 2>/dev/null | sed -n 's/^etcd Version: //p')
  if [ "$have" != "$SLIPWAY_ETCD_VERSION" ]; then
    echo "slipway-etcd: /usr/bin/etcd is version \${have:-unknown}, this member needs $SLIPWAY_ETCD_VERSION: use a machine image with it" >&2
    return 1
  fi
}

supervise() {
  local child="" status
  trap '[ -n "$child" ] && kill -TERM "$child" 2>/dev/null; wait; exit 0' TERM INT
  while :; do
    setpriv --reuid=etcd --regid=etcd --init-groups /usr/bin/etcd &
    child=$!
    wait "$child"
    status=$?
    child=""
    echo "slipway-etcd: etcd exited with status $status; starting it again in 5 s"
    sleep 5 &
    wait $!
  done
}

start() {
  load
  check_version || exit 1
  running && exit 0
  mkdir -p "$RUN_DIR" "$ETCD_DATA_DIR"
  chown etcd:etcd "$ETCD_DATA_DIR"
  chmod 0700 "$ETCD_DATA_DIR"
  setsid "$0" supervise </dev/null >>"$LOG" 2>&1 &
  echo $! >"$PID_FILE"
}

# etcd's /health on the loopback metrics listener, over bash's /dev/tcp: no HTTP client needed.
healthy() {
  local address=\${ETCD_LISTEN_METRICS_URLS#http://} response
  exec 3<>"/dev/tcp/\${address%:*}/\${address##*:}" || return 1
  printf 'GET /health HTTP/1.0\\r\\n\\r\\n' >&3
  response=$(timeout 5 cat <&3)
  exec 3<&-
  [[ $response == *'"health":"true"'* ]]
}

wait_healthy() {
  load
  local deadline=$((SECONDS + $1))
  until healthy 2>/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "slipway-etcd: etcd did not become healthy within $1 s; the end of $LOG:" >&2
      tail -n 20 "$LOG" >&2
      exit 1
    fi
    # Often: a joiner turns healthy the moment it is promoted, and its Machine is Ready only then.
    sleep 0.2
  done
}

case "\${1:-}" in
  start) start ;;
  wait-healthy) wait_healthy "\${2:-600}" ;;
  supervise) supervise ;;
  *) echo "usage: $0 start | wait-healthy [SECONDS]" >&2; exit 2 ;;
esac
`;
}
