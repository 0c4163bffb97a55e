// Shared by the runtime's tests: a MachineRuntime with its own temporary root and runc root,
// torn down (every machine cleaned up, the root removed) after the test.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { MachineRuntime, type MachineRuntimeOptions } from '../../../src/machines/runtime/index.ts';
import type { MachineSpec } from '../../../src/machines/runtime/index.ts';

export const MiB = 1024 * 1024;
/** One cgroup parent for every test machine (ids are unique), so test runs leave no new cgroup directories. */
export const TEST_CGROUP_PARENT = 'slipway-test';

export function suffix(): string {
  return randomBytes(3).toString('hex');
}

export async function testRuntime(t: TestContext, options: Partial<MachineRuntimeOptions> = {}): Promise<MachineRuntime> {
  const root = await mkdtemp(path.join(tmpdir(), 'slipway-runtime-'));
  const runtime = new MachineRuntime({ root, cgroupParent: TEST_CGROUP_PARENT, stopTimeoutMs: 5000, ...options });
  t.after(async () => {
    for (const machine of await runtime.list().catch(() => [])) await runtime.cleanup(machine.id).catch(() => {});
    await rm(root, { recursive: true, force: true });
  });
  return runtime;
}

export function machineSpec(id: string, lowerDir: string, overrides: Partial<MachineSpec> = {}): MachineSpec {
  return { id, hostname: id, lowerDirs: [lowerDir], resources: { cpus: 0.5, memoryBytes: 256 * MiB }, ...overrides };
}

/** Polls `check` until it returns a value (not undefined) or `timeoutMs` passes. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
