// The `slipway` command line: reads the arguments against the command tree with commander
// (strict: unknown commands and options are refused), runs one command, and turns any failure into
// one line on stderr with a hint (exit 1; 2 for usage errors). Only the tree is built up front: a
// command's code loads when it runs, and failures' wording only when something failed.
import { CommanderError } from 'commander';
import { commandTree } from './command-tree.ts';
import { readCommandLine, usageError } from './command-line.ts';

// A reader that stops early (`slipway crds | head`) closes the pipe: like other Unix tools, stop quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const program = commandTree();
const words = process.argv.slice(2);

try {
  if (words[0] === '__complete') {
    // The completion scripts' callback: answered from the tree, without running any command.
    const { complete } = await import('./commands/completion.ts');
    await complete(program, words.slice(1));
  } else {
    await program.parseAsync(readCommandLine(program, words).args, { from: 'user' });
  }
} catch (error) {
  // --help exits through the same path as errors, with code 0.
  if (!(error instanceof CommanderError && error.exitCode === 0)) {
    const { reportFailure } = await import('./failure.ts');
    reportFailure(error instanceof CommanderError ? usageError(error, program, words) : error);
  }
}
