// Turns whatever a command threw into the one line the user sees: API errors as kubectl shows
// them ("Error from server (NotFound): …"), unreachable servers with a hint to start one, usage
// errors with a pointer to --help, and never a stack trace.
import { ApiError } from '../client/rest-client.ts';
import { KubeconfigError } from '../client/kubeconfig.ts';
import { CliError, oneLine } from './errors.ts';
import { styleFor } from './style.ts';

export interface Failure {
  /** "error: " or "Error from server (Reason): ", styled separately. */
  prefix: string;
  line: string;
  exitCode: number;
}

const NETWORK_HINTS: Record<string, { what: string; hint: string }> = {
  ECONNREFUSED: { what: 'connection refused', hint: 'start the server with `slipway up`, or check --kubeconfig' },
  ECONNRESET: { what: 'connection reset', hint: 'check that the server is running and healthy' },
  ENOTFOUND: { what: 'host not found', hint: 'check the server address in the kubeconfig' },
  EHOSTUNREACH: { what: 'host unreachable', hint: 'check the server address in the kubeconfig' },
  ETIMEDOUT: { what: 'timed out', hint: 'check that the server is running and reachable' },
  DEPTH_ZERO_SELF_SIGNED_CERT: { what: 'untrusted certificate', hint: 'the kubeconfig\'s CA does not match the server; use the kubeconfig the server wrote' },
  SELF_SIGNED_CERT_IN_CHAIN: { what: 'untrusted certificate', hint: 'the kubeconfig\'s CA does not match the server; use the kubeconfig the server wrote' },
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: { what: 'untrusted certificate', hint: 'the kubeconfig\'s CA does not match the server; use the kubeconfig the server wrote' },
  ERR_TLS_CERT_ALTNAME_INVALID: { what: 'the server certificate does not cover this address', hint: 'use the address the server was started with' },
};

/** The errno-style code of a network failure, looking through `cause` chains (fetch wraps them). */
function networkCode(error: unknown): { code: string; address?: string; port?: number } | undefined {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    const { code, address, port } = current as { code?: unknown; address?: string; port?: number };
    if (typeof code === 'string' && code in NETWORK_HINTS) return { code, address, port };
  }
  return undefined;
}

export function describeFailure(error: unknown): Failure {
  if (error instanceof CliError) {
    return { prefix: 'error: ', line: oneLine(error.message) + (error.hint ? ` (hint: ${error.hint})` : ''), exitCode: error.exitCode };
  }
  if (error instanceof KubeconfigError) {
    return { prefix: 'error: ', line: `${oneLine(error.message)} (hint: check the kubeconfig, or choose another with --kubeconfig or --context)`, exitCode: 1 };
  }
  const network = networkCode(error);
  if (network) {
    const { what, hint } = NETWORK_HINTS[network.code];
    const where = network.address ? ` at ${network.address}${network.port ? `:${network.port}` : ''}` : '';
    return { prefix: 'error: ', line: `cannot reach the API server${where}: ${what} (hint: ${hint})`, exitCode: 1 };
  }
  if (error instanceof ApiError && error.cause instanceof Error) {
    // The client reports a failed connection as a 503 with the transport error as its cause.
    return { prefix: 'error: ', line: `cannot reach the API server: ${oneLine(error.cause.message)} (hint: check that it is running, e.g. \`slipway up\`)`, exitCode: 1 };
  }
  if (error instanceof ApiError) {
    return { prefix: `Error from server (${error.status.reason || error.status.code}): `, line: oneLine(error.status.message), exitCode: 1 };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { prefix: 'error: ', line: oneLine(message), exitCode: 1 };
}

/**
 * Prints the failure's line on stderr (prefixed with where the input came from, when given) and
 * makes the process exit non-zero; commands that carry on after a failure use this directly.
 */
export function reportFailure(error: unknown, source?: string): void {
  const failure = describeFailure(error);
  const line = source && !failure.line.includes(source) ? `${source}: ${failure.line}` : failure.line;
  process.stderr.write(`${styleFor(process.stderr).red(failure.prefix)}${line}\n`);
  process.exitCode = Math.max(Number(process.exitCode ?? 0), failure.exitCode);
}
