// One error type for the image layer, with a code callers can branch on (the API maps NotFound to
// 404, InUse to 409, …) and a message that says what failed, why, and what to do.
import { HostCommands } from '../host-command.ts';

export type ImageErrorCode =
  | 'InvalidReference'
  | 'NotFound'
  | 'InUse'
  | 'DigestMismatch'
  | 'Unauthorized'
  | 'Unsupported'
  | 'Registry'
  | 'Invalid'
  | 'Command'
  | 'Aborted';

export class ImageError extends Error {
  readonly code: ImageErrorCode;

  constructor(code: ImageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ImageError';
    this.code = code;
  }
}

/** The host tools the image layer runs (tar, debootstrap, find…): failures are ImageError('Command'). */
export const imageTools = new HostCommands((message, cause) => new ImageError('Command', message, { cause }));
