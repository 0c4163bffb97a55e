// Timing of the in-memory simulation: Go-style durations from the spec, and jitter that is random
// across objects but fixed for one object (derived from its uid), so a controller restarted in the
// middle of a simulated provisioning finishes it at the same moment instead of drawing a new delay.
import { createHash } from 'node:crypto';

const unitMs: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of a Go time.Duration string ("1m30s", "250ms", "0"); the CRD schema has validated its form. */
export function durationMs(text: string | undefined): number {
  if (!text || text === '0') return 0;
  const parts = [...text.matchAll(/([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) throw new Error(`invalid duration ${JSON.stringify(text)}: use a Go duration such as 2s, 1m30s or 250ms`);
  return parts.reduce((total, [, amount, unit]) => total + Number(amount) * unitMs[unit], 0);
}

/** A number in [0, 1) fixed by `seed` (an object's uid). */
export function stableFraction(seed: string): number {
  return createHash('sha256').update(seed).digest().readUInt32BE(0) / 2 ** 32;
}

/** `delay` stretched by up to `jitter` × delay (jitter is a "0.2"-style fraction), by the same amount every time for one seed. */
export function jitteredDelayMs(delay: string | undefined, jitter: string | undefined, seed: string): number {
  const base = durationMs(delay);
  const factor = jitter ? Number(jitter) : 0;
  return base + base * factor * stableFraction(seed);
}
