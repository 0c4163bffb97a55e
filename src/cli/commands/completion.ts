// Shell completion, as cobra (kubectl) does it: `slipway completion bash|zsh` prints a small script
// (src/cli/completion/) that on TAB runs `slipway __complete WORD…`, answered by complete(): the
// commands, flags and choices of the command tree, plus what the server adds — kinds and names
// after get/describe/delete, machine names for the machine commands, image references for rmi.
// Completing only reads the command line against the tree, so pressing TAB never runs a command.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { commandChain, readCommandLine, type CommandLine } from '../command-line.ts';
import { connect } from '../connection.ts';
import { closeConnections } from '../open-connections.ts';
import type { ImageObject } from '../object-lookup.ts';
import type { GlobalOptions } from '../global-options.ts';
import { containerMachines, images as imagesResource } from '../machine-resources.ts';

/** Commands whose first positional is a kind and the next ones names of that kind. */
const RESOURCE_COMMANDS = new Set(['get', 'describe', 'delete']);
/** Commands whose positionals are machines (names complete; IDs work too), and those whose first one is. */
const MACHINES_COMMANDS = new Set(['start', 'stop', 'kill', 'rm']);
const MACHINE_COMMANDS = new Set(['logs', 'ssh', 'exec', 'inspect']);
const SERVER_TIMEOUT_MS = 2000;

export async function printCompletionScript(argv: { shell: 'bash' | 'zsh' }): Promise<void> {
  process.stdout.write(await readFile(path.join(import.meta.dirname, '../completion', `slipway.${argv.shell}`), 'utf8'));
}

/** What the server can add for the next positional of `command`: kinds, then names; machine names; image references. */
async function serverWords(command: string, typed: string[], argv: GlobalOptions): Promise<string[]> {
  const [kind, ...names] = typed;
  const machines = MACHINES_COMMANDS.has(command) || (MACHINE_COMMANDS.has(command) && typed.length === 0);
  if (!machines && command !== 'rmi' && !RESOURCE_COMMANDS.has(command)) return [];
  const cluster = await connect(argv, { timeoutMs: SERVER_TIMEOUT_MS });
  if (machines) {
    const list = await cluster.client.listAll(containerMachines, { namespace: cluster.namespace });
    return list.items.map((m) => m.metadata.name!).filter((name) => !typed.includes(name));
  }
  if (command === 'rmi') {
    const images = await cluster.client.listAll<ImageObject>(imagesResource);
    return images.items.map((i) => i.status?.reference).filter((r): r is string => r !== undefined && !typed.includes(r));
  }
  if (kind === undefined) return cluster.kindNames();
  if (kind.includes('/') || names.some((n) => n.includes('/'))) return [];
  const resource = await cluster.resolve(kind);
  const list = await cluster.list(resource, { namespace: resource.namespaced ? cluster.namespace : undefined });
  return list.items.map((item) => item.metadata.name!).filter((name) => !names.includes(name));
}

/** The next positional's words: subcommands, an argument's choices, or what the server knows. */
function positionalWords(line: CommandLine): string[] | Promise<string[]> {
  const { command, positionals } = line;
  if (command.commands.length > 0 && positionals.length === 0) return command.commands.map((c) => c.name());
  const declared = command.registeredArguments;
  const argument = declared[positionals.length] ?? (declared.at(-1)?.variadic ? declared.at(-1) : undefined);
  if (!argument) return [];
  return argument.argChoices ?? serverWords(line.path.join(' '), positionals, line.options as GlobalOptions);
}

/** Every word that can stand where the last of `words` (the one being completed, maybe '') is. */
async function completions(program: Command, words: string[]): Promise<string[]> {
  const current = words.at(-1) ?? '';
  const line = readCommandLine(program, words.slice(0, -1));
  let candidates: string[];
  if (line.pending) {
    candidates = line.pending.argChoices ?? [];
  } else if (line.afterDashes) {
    candidates = [];
  } else if (current.startsWith('-')) {
    const options = commandChain(line.command).flatMap((c) => c.options.filter((o) => !o.hidden && o.long));
    const equals = current.indexOf('=');
    const valued = equals > 0 ? options.find((o) => o.long === current.slice(0, equals)) : undefined;
    candidates = valued ? (valued.argChoices ?? []).map((choice) => `${valued.long}=${choice}`) : [...options.map((o) => o.long!), '--help'];
  } else {
    candidates = await positionalWords(line);
  }
  return candidates.filter((word) => word.startsWith(current));
}

/** Answers the completion script: the candidates, one per line; nothing at all when something fails. */
export async function complete(program: Command, words: string[]): Promise<void> {
  try {
    const found = await completions(program, words);
    process.stdout.write(found.map((word) => `${word}\n`).join(''));
  } catch {
    // A shell asking for completions gets completions or nothing, never an error on the terminal.
  } finally {
    closeConnections();
  }
}
