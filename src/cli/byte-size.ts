// Sizes as Ignite and Docker take them on the command line (--memory 1GB, 1G, 512MB, 1Gi, 2048M):
// a number and a unit of 1024-based multiples, the unit's case and a trailing "B" or "iB" not
// mattering; a bare number is bytes. The API stores them as Kubernetes quantities ("1Gi").
import { UsageError } from './errors.ts';

const UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };
const SIZE = /^([0-9]+(?:\.[0-9]+)?)\s*([kmgt]?)(i?b|i)?$/i;
const QUANTITY_SUFFIXES = [['Ti', 2 ** 40], ['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]] as const;

/** The number of bytes `text` means; `flag` names the option in the error. */
export function parseByteSize(text: string, flag: string): number {
  const match = SIZE.exec(text.trim());
  if (!match || (match[3] && !match[2] && match[3].toLowerCase() !== 'b')) {
    throw new UsageError(`invalid ${flag} "${text}"`, 'give a size such as 512MB, 1GB, 1G or 1Gi (1024-based, as Ignite)');
  }
  const bytes = Math.ceil(Number(match[1]) * UNITS[match[2].toLowerCase()]);
  if (!Number.isSafeInteger(bytes) || bytes === 0) throw new UsageError(`invalid ${flag} "${text}": the size must be above zero and below 8 PiB`, 'give a size such as 512MB or 1GB');
  return bytes;
}

/** A byte count as the Kubernetes quantity the API stores: the largest binary suffix that divides it. */
export function byteQuantity(bytes: number): string {
  for (const [suffix, multiple] of QUANTITY_SUFFIXES) if (bytes % multiple === 0) return `${bytes / multiple}${suffix}`;
  return String(bytes);
}

/** "27.1MiB", "512MiB", "3.0GiB": a size for people, 1024-based like the flags. */
export function formatByteSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes}B` : `${value < 10 ? value.toFixed(1) : Math.round(value)}${units[unit]}`;
}
