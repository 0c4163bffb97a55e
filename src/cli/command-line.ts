// How an argument list reads against the command tree (commander's Commands and Options): which
// command it reaches, its positionals, the options given, and an option still waiting for its
// value. The same walk serves three purposes: rewriting the forms commander reads differently from
// the forms users of Slipway (and of kubectl and Ignite) write, naming the command in a usage error's hint, and completion.
import type { Command, CommanderError, Option } from 'commander';
import { UsageError } from './errors.ts';

export interface CommandLine {
  /** The deepest command the words name (the program itself when none). */
  command: Command;
  /** Command names below the program, e.g. ["image", "pull"]. */
  path: string[];
  /** The command's positional words, those after "--" included. */
  positionals: string[];
  /** Values given on the command line, by long option name without "--" (and "no-": --no-tty sets tty false). */
  options: Record<string, string | boolean>;
  /** The last word was an option that still wants its value. */
  pending?: Option;
  afterDashes: boolean;
  /** The words rewritten for commander (see readCommandLine). */
  args: string[];
}

/** The command and its ancestors, innermost first: a command accepts its ancestors' options too. */
export function commandChain(command: Command): Command[] {
  const chain: Command[] = [];
  for (let current: Command | null = command; current; current = current.parent) chain.push(current);
  return chain;
}

function findOption(command: Command, flag: string): Option | undefined {
  for (const current of commandChain(command)) {
    const option = current.options.find((o) => o.long === flag || o.short === flag);
    if (option) return option;
  }
  return undefined;
}

/** The option that sets the opposite boolean (--no-wait for --wait), if the command has one. */
function negationOf(command: Command, option: Option): Option | undefined {
  return findOption(command, `--no-${option.long?.slice(2)}`);
}

const optionName = (option: Option) => option.long?.slice(2).replace(/^no-/, '') ?? option.attributeName();

/**
 * Walks the words against the tree. The rewritten args keep the forms users write:
 * `--wait=false` / `--grouping=true` on boolean flags, and a value-optional flag given bare
 * (`--ssh`) takes no value from the next word, as Ignite's flag does: `run --ssh IMAGE` keeps
 * IMAGE the image, and a key is given with "=" (`--ssh=KEY`).
 */
export function readCommandLine(program: Command, words: readonly string[]): CommandLine {
  const line: CommandLine = { command: program, path: [], positionals: [], options: {}, afterDashes: false, args: [] };
  for (const word of words) {
    const { pending } = line;
    if (pending) {
      line.options[optionName(pending)] = word;
      line.pending = undefined;
      line.args.push(word);
      continue;
    }
    if (line.afterDashes || word === '--') {
      if (line.afterDashes) line.positionals.push(word);
      line.afterDashes = true;
      line.args.push(word);
      continue;
    }
    if (word.startsWith('-') && word !== '-') {
      line.args.push(...readOption(line, word));
      continue;
    }
    const subcommand = line.positionals.length === 0 ? line.command.commands.find((c) => c.name() === word || c.aliases().includes(word)) : undefined;
    if (subcommand) {
      line.command = subcommand;
      line.path.push(subcommand.name());
    } else {
      line.positionals.push(word);
    }
    line.args.push(word);
  }
  return line;
}

/** Records one option word and returns what commander should read for it. */
function readOption(line: CommandLine, word: string): string[] {
  const equals = word.startsWith('--') ? word.indexOf('=') : -1;
  const flag = equals > 0 ? word.slice(0, equals) : word;
  const value = equals > 0 ? word.slice(equals + 1) : undefined;
  const option = findOption(line.command, flag);
  if (!option) {
    // Short flags run together (-aq): booleans, up to one that takes the rest of the word as its value.
    for (let i = 1; /^-[A-Za-z]{2,}/.test(word) && i < word.length; i++) {
      const short = findOption(line.command, `-${word[i]}`);
      if (!short) break;
      const takesValue = short.required || short.optional;
      line.options[optionName(short)] = takesValue ? word.slice(i + 1) : !short.negate;
      if (takesValue) break;
    }
    return [word];
  }
  const name = optionName(option);
  if (option.required || option.optional) {
    if (value !== undefined) line.options[name] = value;
    else if (option.required) line.pending = option;
    else line.options[name] = '';
    return [value === undefined && option.optional && word.startsWith('--') ? `${word}=` : word];
  }
  if (value === 'true' || value === 'false') {
    const on = (value === 'true') !== option.negate;
    line.options[name] = on;
    const negation = option.negate ? undefined : negationOf(line.command, option);
    if (on) return [option.negate ? `--${name}` : flag];
    return option.negate ? [flag] : negation ? [negation.long!] : [];
  }
  line.options[name] = !option.negate;
  return [word];
}

/** The parser of an option given once per value (-p 80:80 -p 443:443): the values as a list. */
export const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/**
 * The parsed values in the shape the command handlers take: options by their long names
 * ("all-namespaces", "no-headers"), positionals by their argument names, ancestors' options too.
 * Not given, a boolean flag without a negation is false, and a list (a repeatable or variadic
 * option, a variadic argument) is empty.
 */
export function commandArguments(command: Command): Record<string, unknown> {
  const argv: Record<string, unknown> = {};
  for (const current of commandChain(command)) {
    const values = current.opts();
    for (const option of current.options) {
      const twin = current.options.find((o) => o !== option && o.attributeName() === option.attributeName());
      if (option.negate && twin) continue;
      const value = values[option.attributeName()];
      const list = option.variadic || option.parseArg === collect;
      argv[option.long!.slice(2)] = option.negate ? value === false : value ?? (list ? [] : option.isBoolean() && !twin ? false : undefined);
    }
  }
  command.registeredArguments.forEach((argument, i) => { argv[argument.name()] = command.processedArgs[i] ?? (argument.variadic ? [] : undefined); });
  return argv;
}

/**
 * A commander parse error as the CLI's one-line usage error: commander's wording, its "did you
 * mean" suggestion folded into the hint, and the hint pointing at the help of the command typed.
 */
export function usageError(error: CommanderError, program: Command, words: readonly string[]): UsageError {
  const { path } = readCommandLine(program, words);
  const help = `run \`${['slipway', ...path].join(' ')} --help\` to see the usage`;
  // Commander's "help instead of an error" when a command needs a subcommand and got none.
  if (error.code === 'commander.help') return new UsageError('a command is required', help);
  const [message, ...more] = error.message.replace(/^error: /, '').split('\n');
  const suggestion = /^\(Did you mean (.+)\?\)$/.exec(more.join(' ').trim());
  return new UsageError(message.replace(/\.$/, ''), suggestion ? `did you mean ${suggestion[1]}? or ${help}` : help);
}
