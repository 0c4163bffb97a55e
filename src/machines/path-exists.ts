// Whether a path exists (anything at all: file, directory, device), for checks that need no more.
import { stat } from 'node:fs/promises';

export async function pathExists(file: string): Promise<boolean> {
  return stat(file).then(() => true, () => false);
}
