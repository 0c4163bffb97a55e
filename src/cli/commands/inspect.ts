// `slipway inspect [vm|image] NAME`, as Ignite's: one machine (the default kind) or image as JSON
// (or YAML with -o yaml), found by name, ID or reference as the other commands find them.
import type { CommandModule } from 'yargs';
import { connect } from '../connection.ts';
import { UsageError } from '../errors.ts';
import type { GlobalOptions } from '../global-options.ts';
import { findImage, findMachines } from '../object-lookup.ts';
import { toJson, toYaml, withoutManagedFields } from '../printers/object-printer.ts';

interface InspectOptions extends GlobalOptions {
  kindOrName: string;
  name?: string;
  output: 'json' | 'yaml';
}

const MACHINE_KINDS = new Set(['vm', 'machine', 'containermachine']);
const IMAGE_KINDS = new Set(['image', 'img']);

export const inspectCommand: CommandModule<GlobalOptions, InspectOptions> = {
  command: 'inspect <kindOrName> [name]',
  describe: 'Show a machine (or, with the kind "image", an image) as JSON or YAML',
  builder: (yargs) => yargs
    .positional('kindOrName', { type: 'string', demandOption: true, describe: 'vm or image followed by the name; or just a machine\'s name or ID' })
    .positional('name', { type: 'string', describe: 'Machine name or ID, or image reference' })
    .option('output', { alias: 'o', choices: ['json', 'yaml'] as const, default: 'json' as const, describe: 'Output format' })
    .example('$0 inspect my-vm -o yaml', 'A machine as YAML')
    .example('$0 inspect image debian:bookworm', 'An image'),
  handler: async (argv) => {
    const kind = argv.name === undefined ? 'vm' : argv.kindOrName.toLowerCase();
    const query = String(argv.name ?? argv.kindOrName);
    if (!MACHINE_KINDS.has(kind) && !IMAGE_KINDS.has(kind)) throw new UsageError(`unknown kind "${argv.kindOrName}"`, 'inspect a vm or an image: `slipway inspect vm NAME`, `slipway inspect image REF`');
    const cluster = await connect(argv);
    const object = IMAGE_KINDS.has(kind) ? await findImage(cluster, query) : (await findMachines(cluster, [query]))[0];
    const shown = withoutManagedFields(object);
    process.stdout.write(argv.output === 'yaml' ? toYaml(shown) : toJson(shown));
  },
};
