// The `slipway` command line: parses arguments with yargs (strict), runs one command, and turns
// any failure into one line on stderr with a hint (exit 1; 2 for usage errors). Commands load
// what only they need when they run, so every command starts without loading the others' code.
import yargs, { type CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { reportFailure, usageHint } from './failure.ts';
import { UsageError } from './errors.ts';
import { closeConnections } from './connection.ts';
import { withGlobalOptions } from './global-options.ts';
import { upCommand } from './commands/up.ts';
import { applyCommand } from './commands/apply.ts';
import { getCommand } from './commands/get.ts';
import { describeCommand } from './commands/describe.ts';
import { deleteCommand } from './commands/delete.ts';
import { kubeconfigCommand } from './commands/kubeconfig.ts';
import { completionCommand, completer } from './commands/completion.ts';
import { withClusterTree } from './commands/describe-cluster.ts';
import { generateCommand } from './commands/generate.ts';
import { crdsCommand } from './commands/crds.ts';
import { etcdctlCommand } from './commands/etcdctl.ts';
import { createCommand, runCommand } from './commands/run.ts';
import { killCommand, startCommand, stopCommand } from './commands/power.ts';
import { rmCommand } from './commands/rm.ts';
import { psCommand } from './commands/ps.ts';
import { logsCommand } from './commands/logs.ts';
import { sshCommandModule } from './commands/ssh.ts';
import { execCommand } from './commands/exec.ts';
import { cpCommand } from './commands/cp.ts';
import { inspectCommand } from './commands/inspect.ts';
import { imageCommand, imagesCommand, rmiCommand } from './commands/images.ts';

// A reader that stops early (`slipway crds | head`) closes the pipe: like other Unix tools, stop quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

// yargs reads "--filename -" as an unknown "-" argument; the "=" form means the same and parses.
// A bare --ssh generates a key, as Ignite's flag does: a value must be given with "=" (--ssh=KEY),
// so in `run --ssh IMAGE` the next word stays the image.
const args = hideBin(process.argv).reduce<string[]>((out, arg) => {
  if (arg === '-' && out.at(-1) === '--filename') out[out.length - 1] = '--filename=-';
  else if (arg === '--ssh' && !out.includes('--')) out.push('--ssh=');
  else out.push(arg);
  return out;
}, []);

const completing = args.includes('--get-yargs-completions');
const allCommands: CommandModule<any, any>[] = [
  upCommand, applyCommand, getCommand, withClusterTree(describeCommand), deleteCommand, generateCommand, crdsCommand, kubeconfigCommand, etcdctlCommand, completionCommand,
  // Machines and images with Ignite's commands.
  runCommand, createCommand, startCommand, stopCommand, killCommand, rmCommand, psCommand, logsCommand, sshCommandModule, execCommand, cpCommand, inspectCommand,
  imagesCommand, imageCommand, rmiCommand,
];
// yargs' completion re-parses the command line inside a command's builder, which can reach its
// handler: while completing, handlers do nothing, so pressing TAB never deletes or applies anything.
const commands = completing ? allCommands.map((command) => ({ ...command, handler: () => {} })) : allCommands;
const commandNames = commands.map((command) => String(command.command).split(' ')[0]);

const parser = withGlobalOptions(yargs(args))
  .scriptName('slipway')
  .usage('$0 <command> [options]\n\nDeclarative lifecycle management for machines and clusters.')
  .command(commands)
  .completion('__completion-script', false, completer(commandNames))
  .demandCommand(1, 'a command is required')
  .recommendCommands()
  // While answering the shell's completion request, the partial command line is not validated.
  .strict(!completing)
  .help()
  .alias('h', 'help')
  .version(false)
  .wrap(Math.min(110, process.stdout.columns || 100))
  // Usage errors become UsageErrors (exit 2); errors thrown by commands pass through unchanged.
  .fail((message, error) => {
    throw error ?? new UsageError(message, usageHint(args.find((arg) => commandNames.includes(arg))));
  });

try {
  await parser.parseAsync();
} catch (error) {
  // A shell asking for completions gets completions or nothing, never an error on the terminal.
  if (!completing) reportFailure(error);
} finally {
  closeConnections();
}
