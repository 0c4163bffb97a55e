// The argv for the system OpenSSH client (openssh-client) to reach a machine by address with its
// key. Machines are disposable and re-use addresses, so host keys are neither checked nor
// remembered; the key file is the only identity offered and ssh never prompts.
import { isIP } from 'node:net';

export interface SshCommandOptions {
  /** Absolute path of the private key (e.g. from writeSshKeyPair). */
  privateKeyPath: string;
  /** The machine's IP address. */
  address: string;
  /** Default "root". */
  user?: string;
  /** Default 22. */
  port?: number;
  /** The remote command as separate arguments; each is quoted so the remote shell sees it unchanged. Omit for a login shell. */
  command?: readonly string[];
  /** Default 10. */
  connectTimeoutSeconds?: number;
  /** true forces a terminal (-t), false forbids one (-T); unset leaves it to ssh. */
  tty?: boolean;
}

const USER = /^[a-z_][a-z0-9_-]{0,31}$/;

/** Quotes one argument for a POSIX shell, the way the remote side's login shell will read it. */
function shellQuote(argument: string): string {
  return `'${argument.replaceAll("'", `'\\''`)}'`;
}

/** ["ssh", options…, "--", "user@address", quoted command…]: spawn argv[0] with the rest. */
export function sshCommand(options: SshCommandOptions): string[] {
  const { privateKeyPath, address, user = 'root', port = 22, command, connectTimeoutSeconds = 10, tty } = options;
  // ssh expands "~", "%x" tokens and "${VAR}" in identity file paths, so only plain absolute paths pass.
  if (!privateKeyPath.startsWith('/') || /[%$\0\n]/.test(privateKeyPath)) {
    throw new Error(`invalid SSH key path ${JSON.stringify(privateKeyPath)}: give an absolute path without "%", "$" or line breaks`);
  }
  if (isIP(address) === 0) throw new Error(`invalid SSH address ${JSON.stringify(address)}: expected the machine's IP address`);
  if (!USER.test(user)) throw new Error(`invalid SSH user ${JSON.stringify(user)}: expected a user name like root or ubuntu`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`invalid SSH port ${port}: expected 1 to 65535`);
  if (!Number.isInteger(connectTimeoutSeconds) || connectTimeoutSeconds < 1 || connectTimeoutSeconds > 3600) {
    throw new Error(`invalid SSH connect timeout ${connectTimeoutSeconds}: expected whole seconds from 1 to 3600`);
  }
  if (command?.some((argument) => argument.includes('\0'))) throw new Error('invalid SSH command: arguments cannot contain NUL characters');
  return [
    'ssh',
    '-i', privateKeyPath,
    '-p', String(port),
    '-o', 'IdentitiesOnly=yes',
    '-o', 'BatchMode=yes',
    '-o', 'StrictHostKeyChecking=no',
    '-o', 'UserKnownHostsFile=/dev/null',
    '-o', 'LogLevel=ERROR',
    '-o', `ConnectTimeout=${connectTimeoutSeconds}`,
    ...(tty === undefined ? [] : [tty ? '-t' : '-T']),
    '--',
    `${user}@${address}`,
    ...(command ?? []).map(shellQuote),
  ];
}
