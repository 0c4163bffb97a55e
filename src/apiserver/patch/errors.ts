// The one error type every patch and apply function throws; the API server turns it into a
// metav1.Status with the same code, reason and causes.

export interface PatchErrorCause {
  reason: string;
  message: string;
  field?: string;
}

type PatchStatus = 400 | 409 | 422;
type PatchReason = 'BadRequest' | 'Conflict' | 'Invalid';

const reasonForStatus: Record<PatchStatus, PatchReason> = { 400: 'BadRequest', 409: 'Conflict', 422: 'Invalid' };

export class PatchError extends Error {
  readonly status: PatchStatus;
  readonly reason: PatchReason;
  readonly causes: PatchErrorCause[];

  constructor(status: PatchStatus, message: string, causes: PatchErrorCause[] = []) {
    super(message);
    this.name = 'PatchError';
    this.status = status;
    this.reason = reasonForStatus[status];
    this.causes = causes;
  }
}
