// Every failure the CLI reports becomes exactly one line on stderr with a hint, and an exit code:
// 1 for failures, 2 for usage errors. API errors read as kubectl prints them.

export class CliError extends Error {
  readonly hint?: string;
  readonly exitCode: number;

  constructor(message: string, hint?: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.hint = hint;
    this.exitCode = exitCode;
  }
}

export class UsageError extends CliError {
  constructor(message: string, hint: string) {
    super(message, hint, 2);
    this.name = 'UsageError';
  }
}

/** Collapses a multi-line message onto one line. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, '; ').trim();
}
