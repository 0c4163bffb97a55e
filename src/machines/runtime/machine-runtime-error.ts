// One error type for the machine runtime, with a reason a caller can branch on (a controller
// treats NotFound and Invalid differently from a failed command it should retry).
export type MachineRuntimeErrorReason = 'Invalid' | 'NotFound' | 'AlreadyExists' | 'Command' | 'Unsafe';

export class MachineRuntimeError extends Error {
  readonly reason: MachineRuntimeErrorReason;

  constructor(reason: MachineRuntimeErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MachineRuntimeError';
    this.reason = reason;
  }
}
