// One error type for the machine runtime, with a reason a caller can branch on (a controller
// treats NotFound and Invalid differently from a failed command it should retry).
import { HostCommands } from '../host-command.ts';

export type MachineRuntimeErrorReason = 'Invalid' | 'NotFound' | 'AlreadyExists' | 'Command' | 'Unsafe';

export class MachineRuntimeError extends Error {
  readonly reason: MachineRuntimeErrorReason;

  constructor(reason: MachineRuntimeErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MachineRuntimeError';
    this.reason = reason;
  }
}

/** The host tools the runtime runs (runc, mount, umount): a missing one is MachineRuntimeError('Command'). */
export const runtimeTools = new HostCommands((message, cause) => new MachineRuntimeError('Command', message, { cause }));
