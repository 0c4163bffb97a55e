// Who holds a TCP or UDP port, for "already in use" errors: `ss` (iproute2) maps listening sockets to
// process ids, and /proc names the program (ss shows the thread name, which Node sets to
// "MainThread"). Best effort: whatever cannot be told is left out.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const SS_TIMEOUT_MS = 5_000;

function programName(pid: number, fallback: string): string {
  if (pid === process.pid) return 'this process';
  try {
    const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
    return argv0 ? path.basename(argv0) : fallback;
  } catch {
    return fallback;
  }
}

/** Text such as `python3 (pid 4242) on 127.0.0.1:8080`, one entry per listener; empty when unknown. */
export function describePortListeners(port: number, protocol: 'tcp' | 'udp' = 'tcp'): Promise<string[]> {
  return new Promise((resolve) => {
    execFile('ss', ['-H', protocol === 'udp' ? '-u' : '-t', '-l', '-n', '-p', 'sport', '=', `:${port}`], { timeout: SS_TIMEOUT_MS }, (error, stdout) => {
      if (error) return resolve([]);
      const listeners = stdout.split('\n').filter((line) => line.trim() !== '').map((line) => {
        const local = line.trim().split(/\s+/)[3] ?? '';
        const users = [...line.matchAll(/\("([^"]*)",pid=([0-9]+)/g)].map((m) => `${programName(Number(m[2]), m[1])} (pid ${m[2]})`);
        return `${users.length > 0 ? [...new Set(users)].join(', ') : 'an unknown process'} on ${local}`;
      });
      resolve(listeners);
    });
  });
}
