// `slipway apply -f`: server-side apply of every object in the given manifests. CRDs go first and
// are waited for until served, so objects of those kinds later in the same files apply too. A
// failed object is reported and the rest still applied; the exit code says whether all succeeded.
import type { KubeObject } from '../../api/meta.ts';
import { connect, type Cluster } from '../connection.ts';
import { reportFailure } from '../failure.ts';
import { readManifests, type Manifest } from '../manifests.ts';
import { objectReference } from '../printers/object-printer.ts';
import { styleFor } from '../style.ts';
import { CliError } from '../errors.ts';
import type { GlobalOptions } from '../global-options.ts';

interface ApplyOptions extends GlobalOptions {
  filename: string[];
  recursive: boolean;
  'field-manager': string;
  'force-conflicts': boolean;
  'dry-run': 'none' | 'server';
}

const CRD_GROUP = 'apiextensions.k8s.io';
const CRD_SERVED_TIMEOUT_MS = 30_000;

function isCRD(object: KubeObject): boolean {
  return object.kind === 'CustomResourceDefinition' && object.apiVersion.startsWith(`${CRD_GROUP}/`);
}

/** The group/version/kind of every served version a CRD defines. */
function servedKinds(crd: KubeObject): Array<{ apiVersion: string; kind: string }> {
  const spec = crd.spec as { group?: string; names?: { kind?: string }; versions?: Array<{ name: string; served?: boolean }> } | undefined;
  if (!spec?.group || !spec.names?.kind) return [];
  return (spec.versions ?? []).filter((v) => v.served !== false).map((v) => ({ apiVersion: `${spec.group}/${v.name}`, kind: spec.names!.kind! }));
}

async function applyOne(cluster: Cluster, manifest: Manifest, argv: ApplyOptions): Promise<KubeObject> {
  const { object, source } = manifest;
  const resource = await cluster.resolveKind(object.apiVersion, object.kind);
  if (!resource) {
    throw new CliError(`no matches for kind "${object.kind}" in version "${object.apiVersion}" (${source})`, 'install its CustomResourceDefinition first, or check apiVersion and kind');
  }
  let namespace: string | undefined;
  if (resource.namespaced) {
    namespace = object.metadata.namespace ?? cluster.namespace;
    if (argv.namespace && object.metadata.namespace && object.metadata.namespace !== argv.namespace) {
      throw new CliError(`the namespace of ${source} ("${object.metadata.namespace}") does not match --namespace "${argv.namespace}"`, `pass --namespace=${object.metadata.namespace}, or remove the namespace from the manifest`);
    }
  }
  const body = { ...object, metadata: { ...object.metadata, ...(namespace ? { namespace } : {}) } };
  return cluster.apply(resource, body, { fieldManager: argv['field-manager'], force: argv['force-conflicts'], dryRun: argv['dry-run'] === 'server' });
}

export async function apply(argv: ApplyOptions): Promise<void> {
  const manifests = await readManifests(argv.filename, { recursive: argv.recursive });
  const cluster = await connect(argv);
  const style = styleFor(process.stdout);
  const suffix = argv['dry-run'] === 'server' ? ' (server dry run)' : '';
  const apply = async (manifest: Manifest): Promise<boolean> => {
    try {
      const applied = await applyOne(cluster, manifest, argv);
      process.stdout.write(`${objectReference(applied)} ${style.green('serverside-applied')}${suffix}\n`);
      return true;
    } catch (error) {
      reportFailure(error, manifest.source);
      return false;
    }
  };

  const crds = manifests.filter((m) => isCRD(m.object));
  for (const manifest of crds) {
    if (!await apply(manifest) || argv['dry-run'] === 'server') continue;
    try {
      for (const served of servedKinds(manifest.object)) await cluster.waitForKind(served.apiVersion, served.kind, CRD_SERVED_TIMEOUT_MS);
    } catch (error) {
      reportFailure(error, manifest.source);
    }
  }
  for (const manifest of manifests) {
    if (!isCRD(manifest.object)) await apply(manifest);
  }
}
