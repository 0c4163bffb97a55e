// Machine ids name a state directory, a runc container and a cgroup, so they are kept to a
// character set that is safe in all three and cannot climb out of the state root.
import { MachineRuntimeError } from './machine-runtime-error.ts';

const MACHINE_ID = /^[a-z0-9][a-z0-9_.-]*$/;
export const MAX_MACHINE_ID_LENGTH = 128;

/** Throws an Invalid MachineRuntimeError unless `id` is a usable machine id. */
export function validateMachineId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id.length === 0) {
    throw new MachineRuntimeError('Invalid', 'machine id is missing: give a name like "web-1"');
  }
  if (id.length > MAX_MACHINE_ID_LENGTH || !MACHINE_ID.test(id)) {
    throw new MachineRuntimeError(
      'Invalid',
      `machine id ${JSON.stringify(id.slice(0, MAX_MACHINE_ID_LENGTH + 8))} is not valid: use at most ${MAX_MACHINE_ID_LENGTH} lower-case letters, digits, '.', '_' or '-', starting with a letter or digit`,
    );
  }
}
