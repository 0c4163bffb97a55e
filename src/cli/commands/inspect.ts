// `slipway inspect [vm|image] NAME`, as Ignite's: one machine (the default kind) or image as JSON
// (or YAML with -o yaml), found by name, ID or reference as the other commands find them.
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

export async function inspect(argv: InspectOptions): Promise<void> {
  const kind = argv.name === undefined ? 'vm' : argv.kindOrName.toLowerCase();
  const query = argv.name ?? argv.kindOrName;
  if (!MACHINE_KINDS.has(kind) && !IMAGE_KINDS.has(kind)) throw new UsageError(`unknown kind "${argv.kindOrName}"`, 'inspect a vm or an image: `slipway inspect vm NAME`, `slipway inspect image REF`');
  const cluster = await connect(argv);
  const object = IMAGE_KINDS.has(kind) ? await findImage(cluster, query) : (await findMachines(cluster, [query]))[0];
  const shown = withoutManagedFields(object);
  process.stdout.write(argv.output === 'yaml' ? toYaml(shown) : toJson(shown));
}
