// `slipway completion bash|zsh` prints yargs' completion script for that shell; the script calls
// back into `slipway --get-yargs-completions …`, answered by completeWords: yargs' own completion
// of commands, flags and choices, plus resource kinds and names read from the server.
import yargs from 'yargs';
import type { CommandModule } from 'yargs';
import { connect } from '../connection.ts';
import type { ImageObject } from '../object-lookup.ts';
import type { GlobalOptions } from '../global-options.ts';
import { containerMachines, images as imagesResource } from '../machine-resources.ts';

interface CompletionOptions extends GlobalOptions {
  shell: 'bash' | 'zsh';
}

const SHELLS = ['bash', 'zsh'] as const;
/** Commands whose first positional is a kind and the next ones names of that kind. */
const RESOURCE_COMMANDS = new Set(['get', 'describe', 'delete']);
/** Commands whose positionals are machines (names complete; IDs work too), and those whose first one is. */
const MACHINES_COMMANDS = new Set(['start', 'stop', 'kill', 'rm']);
const MACHINE_COMMANDS = new Set(['logs', 'ssh', 'exec', 'inspect']);
const SERVER_TIMEOUT_MS = 2000;

export const completionCommand: CommandModule<GlobalOptions, CompletionOptions> = {
  command: 'completion <shell>',
  describe: 'Print a shell completion script (commands, flags, kinds and names)',
  builder: (yargs) => yargs
    .positional('shell', { choices: SHELLS, demandOption: true, describe: 'Shell to complete in' })
    .example('source <($0 completion bash)', 'Enable completion in this bash session')
    .example('$0 completion zsh > "${fpath[1]}/_slipway"', 'Install it for zsh'),
  handler: (argv) => {
    // yargs picks the script's shell from $SHELL when its completion support is created, so a
    // fresh instance made under the requested shell prints that shell's script.
    process.env.SHELL = `/bin/${argv.shell}`;
    delete process.env.ZSH_NAME;
    // Registering the full command line makes the script's install comment show it.
    yargs([]).scriptName('slipway').completion(`completion ${argv.shell}`, false).showCompletionScript();
  },
};

/** What the server can add at this position: kinds after get/describe/delete, then names; machine names; image references. */
async function serverWords(words: string[], argv: GlobalOptions): Promise<string[]> {
  const [command, kind, ...names] = words.slice(0, -1);
  const typed = words.slice(1, -1);
  if (MACHINES_COMMANDS.has(command) || (MACHINE_COMMANDS.has(command) && typed.length === 0)) {
    const cluster = await connect(argv, { timeoutMs: SERVER_TIMEOUT_MS });
    const machines = await cluster.client.listAll(containerMachines, { namespace: cluster.namespace });
    return machines.items.map((m) => m.metadata.name!).filter((name) => !typed.includes(name));
  }
  if (command === 'rmi') {
    const cluster = await connect(argv, { timeoutMs: SERVER_TIMEOUT_MS });
    const images = await cluster.client.listAll<ImageObject>(imagesResource);
    return images.items.map((i) => i.status?.reference).filter((r): r is string => r !== undefined && !typed.includes(r));
  }
  if (!RESOURCE_COMMANDS.has(command)) return [];
  const cluster = await connect(argv, { timeoutMs: SERVER_TIMEOUT_MS });
  if (kind === undefined) return cluster.kindNames();
  if (kind.includes('/') || names.some((n) => n.includes('/'))) return [];
  const resource = await cluster.resolve(kind);
  const list = await cluster.list(resource, { namespace: resource.namespaced ? cluster.namespace : undefined });
  return list.items.map((item) => item.metadata.name!).filter((name) => !names.includes(name));
}

export type CompletionFunction = (current: string, argv: GlobalOptions & { _: Array<string | number> }, defaultCompletion: (onCompleted?: (err: Error | null, completions: string[] | undefined) => void) => void, done: (completions: string[]) => void) => void;

/**
 * yargs' completion callback: command names for the first word; afterwards yargs' own completions
 * (flags, choices) plus kinds or names from the server for positionals.
 */
export function completer(commandNames: string[]): CompletionFunction {
  return (current, argv, defaultCompletion, done) => {
    // argv._ holds the program name, the positional words so far and the current one — unless
    // the current word is an option's value, which yargs completes from the option's choices.
    const words = argv._.slice(1).map(String);
    const isOptionValue = words.at(-1) !== current;
    if (!isOptionValue && words.length <= 1 && !current.startsWith('-')) return done(commandNames.filter((name) => name.startsWith(current)));
    defaultCompletion((_error, defaults) => {
      if (isOptionValue || current.startsWith('-')) return done(defaults ?? []);
      serverWords(words, argv)
        .then((fromServer) => done(fromServer.length > 0 ? fromServer : defaults ?? []))
        .catch(() => done(defaults ?? []));
    });
  };
}
