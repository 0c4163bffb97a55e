// `slipway delete`: deletes named objects or those in manifests, with the chosen propagation, and
// by default waits (watching) until each is really gone — finalizers and dependents included.
import type { CommandModule } from 'yargs';
import { connect, type ApiResourceRef, type Cluster } from '../connection.ts';
import { reportFailure } from '../failure.ts';
import { CliError, UsageError } from '../errors.ts';
import { readManifests } from '../manifests.ts';
import { parseResourceArgs } from '../resource-args.ts';
import { parseDuration } from '../parse-duration.ts';
import { kindReference } from '../printers/object-printer.ts';
import type { GlobalOptions } from '../global-options.ts';

interface DeleteOptions extends GlobalOptions {
  resource?: string;
  names: string[];
  filename?: string | string[];
  recursive: boolean;
  cascade: 'background' | 'foreground' | 'orphan';
  wait: boolean;
  timeout: string;
}

interface Doomed {
  resource: ApiResourceRef;
  namespace?: string;
  name: string;
}

const PROPAGATION = { background: 'Background', foreground: 'Foreground', orphan: 'Orphan' } as const;

function reference(doomed: Doomed): string {
  const { resource } = doomed;
  return kindReference(resource.kind, resource.group ? `${resource.group}/${resource.version}` : resource.version);
}

async function fromArguments(cluster: Cluster, argv: DeleteOptions): Promise<Doomed[]> {
  const doomed: Doomed[] = [];
  for (const selection of parseResourceArgs([argv.resource!, ...argv.names.map(String)])) {
    if (selection.names.length === 0) throw new UsageError(`no name given for "${selection.kind}"`, 'name the objects to delete: `slipway delete KIND NAME…` or KIND/NAME');
    const resource = await cluster.resolve(selection.kind);
    const namespace = resource.namespaced ? cluster.namespace : undefined;
    doomed.push(...selection.names.map((name) => ({ resource, namespace, name })));
  }
  return doomed;
}

async function fromManifests(cluster: Cluster, argv: DeleteOptions): Promise<Doomed[]> {
  const doomed: Doomed[] = [];
  for (const { object, source } of await readManifests([argv.filename!].flat(), { recursive: argv.recursive })) {
    const resource = await cluster.resolveKind(object.apiVersion, object.kind);
    if (!resource) throw new CliError(`no matches for kind "${object.kind}" in version "${object.apiVersion}" (${source})`, 'check apiVersion and kind; the kind\'s CustomResourceDefinition may be gone already');
    doomed.push({ resource, namespace: resource.namespaced ? object.metadata.namespace ?? cluster.namespace : undefined, name: object.metadata.name! });
  }
  return doomed;
}

export const deleteCommand: CommandModule<GlobalOptions, DeleteOptions> = {
  command: 'delete [resource] [names..]',
  describe: 'Delete objects by kind and name, or those in manifests (-f)',
  builder: (yargs) => yargs
    .positional('resource', { type: 'string', describe: 'Kind (plural, singular, kind or short name) or KIND/NAME' })
    .positional('names', { type: 'string', array: true, default: [] as string[], describe: 'Names of the objects' })
    .option('filename', { alias: 'f', type: 'string', describe: 'Delete the objects in these files, directories or - (stdin)' })
    .option('recursive', { alias: 'R', type: 'boolean', default: false, describe: 'Read directories given with -f recursively' })
    .option('cascade', { choices: ['background', 'foreground', 'orphan'] as const, default: 'background' as const, describe: 'What happens to dependents: deleted after (background), before (foreground), or kept (orphan)' })
    .option('wait', { type: 'boolean', default: true, describe: 'Wait until the objects are gone' })
    .option('timeout', { type: 'string', default: '60s', describe: 'How long to wait with --wait (e.g. 30s, 5m)' })
    .check((argv) => {
      if (argv.filename && argv.resource) throw new UsageError('give either KIND NAME… or -f, not both', 'e.g. `slipway delete configmap app` or `slipway delete -f app.yaml`');
      if (!argv.filename && !argv.resource) throw new UsageError('nothing to delete', 'give KIND NAME… or -f FILE');
      return true;
    })
    .example('$0 delete machine m1 m2', 'Delete two machines and wait for them to go')
    .example('$0 delete -f cluster.yaml --cascade=foreground', 'Delete dependents first'),
  handler: async (argv) => {
    const timeoutMs = parseDuration(argv.timeout, '--timeout');
    const cluster = await connect(argv);
    const doomed = argv.filename ? await fromManifests(cluster, argv) : await fromArguments(cluster, argv);

    const deleted: Doomed[] = [];
    for (const target of doomed) {
      try {
        await cluster.delete(target.resource, target.namespace, target.name, PROPAGATION[argv.cascade]);
        deleted.push(target);
      } catch (error) {
        reportFailure(error);
      }
    }
    if (argv.wait) {
      const deadline = AbortSignal.timeout(timeoutMs);
      for (const target of deleted) {
        const what = `${reference(target)}/${target.name}`;
        process.stderr.write(`waiting for ${what} to be deleted\n`);
        try {
          const holding = await cluster.waitForDeletion(target.resource, target.namespace, target.name, deadline);
          if (holding) {
            const finalizers = holding.length > 0 ? `; finalizers left: ${holding.join(', ')}` : '';
            throw new CliError(`timed out after ${argv.timeout} waiting for ${what} to be deleted${finalizers}`, 'the controller that owns the finalizers may be busy or down; check with `slipway describe`, or raise --timeout');
          }
        } catch (error) {
          reportFailure(error);
          continue;
        }
        process.stdout.write(`${reference(target)} "${target.name}" deleted\n`);
      }
    } else {
      for (const target of deleted) process.stdout.write(`${reference(target)} "${target.name}" deleted\n`);
    }
  },
};
