// A machine's CPU, memory and process limits, checked and turned into cgroup values.
import { availableParallelism } from 'node:os';

export interface MachineResources {
  /** CPUs the machine may use, fractional allowed (0.5 is half of one CPU's time). */
  cpus: number;
  /** Memory limit in bytes (swap included: the machine gets no swap beyond it). */
  memoryBytes: number;
  /** The most processes and threads the machine may have; 4096 when omitted. */
  pids?: number;
}

export const MIN_MEMORY_BYTES = 64 * 1024 * 1024;
export const MIN_CPUS = 0.01;
export const DEFAULT_PIDS = 4096;
const MIN_PIDS = 16;
export const CPU_PERIOD_MICROSECONDS = 100_000;

export interface CgroupLimits {
  cpu: { quota: number; period: number; shares: number };
  memory: { limit: number; swap: number };
  pids: { limit: number };
}

/** Every problem with `resources`, as sentences with a hint (empty when valid). */
export function resourceProblems(resources: MachineResources | undefined): string[] {
  if (!resources || typeof resources !== 'object') return ['resources are missing: give cpus and memoryBytes'];
  const problems: string[] = [];
  const { cpus, memoryBytes, pids } = resources;
  const hostCpus = availableParallelism();
  if (typeof cpus !== 'number' || !Number.isFinite(cpus) || cpus <= 0) {
    problems.push(`cpus must be a number above 0 (got ${String(cpus)}): give e.g. 0.5 or 2`);
  } else if (cpus < MIN_CPUS) {
    problems.push(`cpus ${cpus} is below the smallest share the kernel schedules, ${MIN_CPUS}`);
  } else if (cpus > hostCpus) {
    problems.push(`cpus ${cpus} is more than this host has (${hostCpus}): give at most ${hostCpus}`);
  }
  if (typeof memoryBytes !== 'number' || !Number.isSafeInteger(memoryBytes) || memoryBytes <= 0) {
    problems.push(`memoryBytes must be a whole number of bytes above 0 (got ${String(memoryBytes)}): give e.g. ${256 * 1024 * 1024} for 256 MiB`);
  } else if (memoryBytes < MIN_MEMORY_BYTES) {
    problems.push(`memory ${formatBytes(memoryBytes)} is too small for a machine: give at least 64 MiB (${MIN_MEMORY_BYTES} bytes)`);
  }
  if (pids !== undefined && (typeof pids !== 'number' || !Number.isSafeInteger(pids) || pids < MIN_PIDS)) {
    problems.push(`pids must be a whole number of at least ${MIN_PIDS} (got ${String(pids)})`);
  }
  return problems;
}

/** The cgroup values for valid `resources` (check resourceProblems first). */
export function cgroupLimits(resources: MachineResources): CgroupLimits {
  return {
    cpu: {
      quota: Math.round(resources.cpus * CPU_PERIOD_MICROSECONDS),
      period: CPU_PERIOD_MICROSECONDS,
      // Under contention machines share CPU time in proportion to their size, not equally.
      shares: Math.max(2, Math.round(resources.cpus * 1024)),
    },
    memory: { limit: resources.memoryBytes, swap: resources.memoryBytes },
    pids: { limit: resources.pids ?? DEFAULT_PIDS },
  };
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1).replace(/\.0$/, '')} MiB` : `${bytes} bytes`;
}
