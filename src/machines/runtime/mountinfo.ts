// Reads this process's mount table, so mounts left by a crashed run are found and undone.
import { readFile } from 'node:fs/promises';

export interface MountEntry {
  mountPoint: string;
  fsType: string;
  source: string;
}

/** mountinfo escapes space, tab, newline and backslash as three octal digits. */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

export function parseMountInfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const fields = line.split(' ');
    const separator = fields.indexOf('-', 6);
    if (separator < 0 || fields.length < separator + 3) continue;
    entries.push({
      mountPoint: unescapeMountField(fields[4]),
      fsType: fields[separator + 1],
      source: unescapeMountField(fields[separator + 2]),
    });
  }
  return entries;
}

export async function readMounts(): Promise<MountEntry[]> {
  return parseMountInfo(await readFile('/proc/self/mountinfo', 'utf8'));
}

/** How many mounts are stacked on `mountPoint` (an absolute, normalised path). */
export async function mountCount(mountPoint: string): Promise<number> {
  return (await readMounts()).filter((entry) => entry.mountPoint === mountPoint).length;
}
