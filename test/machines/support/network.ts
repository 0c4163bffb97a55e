// Shared set-up for tests that make real bridges and network namespaces: unique names (tests run in
// parallel, and other checkouts may run the same suite), a free subnet in 10.215.0.0/16, processes
// run inside a namespace, and clean-up of everything made under a test's name prefix.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { ipJson, type LinkAddresses } from '../../../src/machines/network/ip-command.ts';
import { detachMachine, listAttachments } from '../../../src/machines/network/attachment.ts';
import { removeBridge } from '../../../src/machines/network/bridge.ts';
import { networksOverlap, parseSubnet, type Subnet } from '../../../src/machines/network/subnet.ts';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A name prefix unique to one test: "t" and three random characters (the prefix limit is 4). */
export function testNamePrefix(): string {
  return 't' + [...randomBytes(3)].map((b) => ALPHABET[b % ALPHABET.length]).join('');
}

/**
 * A /24 in 10.<secondOctet>.0.0/16 (default 10.215) that no interface uses. Each test file passes its
 * own slot (0–7), which owns third octets slot*32+1 … slot*32+31, so files running in parallel never
 * pick the same one.
 */
export async function freeTestSubnet(slot: number, secondOctet = 215): Promise<Subnet> {
  const used = (await ipJson<LinkAddresses>(['-4', 'addr', 'show'])).flatMap((l) => l.addr_info);
  const candidates = Array.from({ length: 31 }, (_, i) => slot * 32 + 1 + i).sort(() => Math.random() - 0.5);
  for (const octet of candidates) {
    const subnet = parseSubnet(`10.${secondOctet}.${octet}.0/24`);
    const free = used.every((a) => !networksOverlap({ address: subnet.network, prefixLength: 24 }, { address: a.local, prefixLength: a.prefixlen }));
    if (free) return subnet;
  }
  throw new Error(`no free test subnet in slot ${slot}`);
}

/** Removes every attachment made under `prefix` and the given bridges; for t.after. */
export async function cleanUpNetwork(prefix: string, bridges: string[]): Promise<void> {
  for (const attachment of await listAttachments(prefix)) await detachMachine(attachment.name);
  for (const bridge of bridges) await removeBridge(bridge);
}

export interface NetnsProcess {
  child: ChildProcess;
  /** Lines the process printed on standard output so far. */
  output: string[];
  stop(): Promise<void>;
}

/** Whether a TCP connection to address:port is accepted within a second. */
export function acceptsTcp(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port, timeout: 1000 }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false)).on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * Runs `args` inside network namespace `netns` (`ip netns exec`, which execs the program, so the
 * child's pid is the program's) and waits until it is ready: it printed a line matching `ready` on
 * standard output, or the `ready` check passed. Stop it with stop() (SIGTERM, by its own pid).
 */
export async function startInNetns(netns: string, args: string[], ready: RegExp | (() => Promise<boolean>)): Promise<NetnsProcess> {
  const child = spawn('ip', ['netns', 'exec', netns, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
  };
  let printedReady = false;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    output.push(line);
    if (ready instanceof RegExp && ready.test(line)) printedReady = true;
  });
  const isReady = ready instanceof RegExp ? async () => printedReady : ready;
  const deadline = Date.now() + 10_000;
  while (!(await isReady())) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`${args.join(' ')} in ${netns} did not get ready (exit ${child.exitCode ?? child.signalCode ?? 'none'}): ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, output, stop };
}

/** Runs `args` inside `netns` to completion; resolves with exit code and output. */
export async function runInNetns(netns: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('ip', ['netns', 'exec', netns, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const [code] = await once(child, 'exit');
  return { code, stdout, stderr };
}
