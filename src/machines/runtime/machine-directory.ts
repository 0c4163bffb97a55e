// Where one machine's state lives under the runtime's root: <root>/<id>/…
import path from 'node:path';
import { validateMachineId } from './machine-id.ts';

export interface MachineDirectory {
  /** <root>/<id> */
  dir: string;
  /** The writable layer holding upper and work: a directory, or the mount point of layerImage. */
  layer: string;
  /** The sparse ext4 image of a writable layer with a size limit (absent without one). */
  layerImage: string;
  /** The overlay's persistent upper directory: everything the machine writes. */
  upper: string;
  /** The overlay's work directory (same filesystem as upper, as overlayfs requires). */
  work: string;
  /** Where the overlay is mounted while the machine runs; the bundle's root. */
  rootfs: string;
  /** The OCI runtime bundle directory holding config.json. */
  bundle: string;
  config: string;
  /** The init's stdout and stderr, appended across restarts. */
  consoleLog: string;
  /** runc's own error log for the last create (kept apart from the machine's console). */
  runcLog: string;
  /** Where runc writes the init's host PID when it starts it. */
  pidFile: string;
  /** The machine's record: its spec and creation time. */
  metadata: string;
}

/** The layout of machine `id` under `root` (validates the id; touches nothing). */
export function machineDirectory(root: string, id: string): MachineDirectory {
  validateMachineId(id);
  const dir = path.join(path.resolve(root), id);
  const bundle = path.join(dir, 'bundle');
  const layer = path.join(dir, 'layer');
  return {
    dir,
    layer,
    layerImage: path.join(dir, 'layer.ext4'),
    upper: path.join(layer, 'upper'),
    work: path.join(layer, 'work'),
    rootfs: path.join(dir, 'rootfs'),
    bundle,
    config: path.join(bundle, 'config.json'),
    consoleLog: path.join(dir, 'console.log'),
    runcLog: path.join(dir, 'runc.log'),
    pidFile: path.join(dir, 'init.pid'),
    metadata: path.join(dir, 'machine.json'),
  };
}
