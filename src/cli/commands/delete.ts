// `slipway delete`: deletes named objects or those in manifests, with the chosen propagation, and
// by default waits (watching) until each is really gone — finalizers and dependents included.
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
  /** Empty when no -f was given. */
  filename: string[];
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
  for (const selection of parseResourceArgs([argv.resource!, ...argv.names])) {
    if (selection.names.length === 0) throw new UsageError(`no name given for "${selection.kind}"`, 'name the objects to delete: `slipway delete KIND NAME…` or KIND/NAME');
    const resource = await cluster.resolve(selection.kind);
    const namespace = resource.namespaced ? cluster.namespace : undefined;
    doomed.push(...selection.names.map((name) => ({ resource, namespace, name })));
  }
  return doomed;
}

async function fromManifests(cluster: Cluster, argv: DeleteOptions): Promise<Doomed[]> {
  const doomed: Doomed[] = [];
  for (const { object, source } of await readManifests(argv.filename, { recursive: argv.recursive })) {
    const resource = await cluster.resolveKind(object.apiVersion, object.kind);
    if (!resource) throw new CliError(`no matches for kind "${object.kind}" in version "${object.apiVersion}" (${source})`, 'check apiVersion and kind; the kind\'s CustomResourceDefinition may be gone already');
    doomed.push({ resource, namespace: resource.namespaced ? object.metadata.namespace ?? cluster.namespace : undefined, name: object.metadata.name! });
  }
  return doomed;
}

export async function deleteObjects(argv: DeleteOptions): Promise<void> {
  if (argv.filename.length > 0 && argv.resource) throw new UsageError('give either KIND NAME… or -f, not both', 'e.g. `slipway delete configmap app` or `slipway delete -f app.yaml`');
  if (argv.filename.length === 0 && !argv.resource) throw new UsageError('nothing to delete', 'give KIND NAME… or -f FILE');
  const timeoutMs = parseDuration(argv.timeout, '--timeout');
  const cluster = await connect(argv);
  const doomed = argv.filename.length > 0 ? await fromManifests(cluster, argv) : await fromArguments(cluster, argv);

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
}
