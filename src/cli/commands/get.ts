// `slipway get`: objects as tables (rendered from the server's Table responses), YAML, JSON or
// names; optionally watching for changes afterwards.
import type { KubeObject } from '../../api/meta.ts';
import { connect, type ApiResourceRef, type Cluster, type WatchEvent } from '../connection.ts';
import { reportFailure } from '../failure.ts';
import { UsageError } from '../errors.ts';
import { parseResourceArgs, type ResourceSelection } from '../resource-args.ts';
import { alignColumns, renderTable, tableCells, type Table, type TablePrintOptions } from '../printers/table-printer.ts';
import { kindReference, objectOrList, objectReference, toJson, toYaml, withoutManagedFields } from '../printers/object-printer.ts';
import { styleFor } from '../style.ts';
import type { GlobalOptions } from '../global-options.ts';

type OutputFormat = 'wide' | 'yaml' | 'json' | 'name';

interface GetOptions extends GlobalOptions {
  resource: string;
  names: string[];
  'all-namespaces': boolean;
  selector?: string;
  output?: OutputFormat;
  watch: boolean;
  'no-headers': boolean;
  'show-managed-fields': boolean;
}

interface Target {
  resource: ApiResourceRef;
  names: string[];
  /** undefined: all namespaces, or a cluster-scoped kind. */
  namespace?: string;
}

async function resolveTargets(cluster: Cluster, selections: ResourceSelection[], argv: GetOptions): Promise<Target[]> {
  const targets: Target[] = [];
  for (const selection of selections) {
    const resource = await cluster.resolve(selection.kind);
    if (argv['all-namespaces'] && selection.names.length > 0 && resource.namespaced) {
      throw new UsageError('a resource cannot be retrieved by name across all namespaces', 'drop -A and give the namespace with -n');
    }
    const namespace = resource.namespaced && !argv['all-namespaces'] ? cluster.namespace : undefined;
    targets.push({ resource, names: selection.names, namespace });
  }
  return targets;
}

/** Each named object (reporting the missing ones and carrying on, as kubectl does), or the whole list. */
async function eachNamed<T>(target: Target, fetch: (name: string) => Promise<T>): Promise<T[]> {
  const found: T[] = [];
  for (const name of target.names) {
    try {
      found.push(await fetch(name));
    } catch (error) {
      reportFailure(error);
    }
  }
  return found;
}

async function fetchTable(cluster: Cluster, target: Target, selector: string | undefined): Promise<Table | undefined> {
  if (target.names.length === 0) return cluster.table(target.resource, { namespace: target.namespace, labelSelector: selector });
  const tables = await eachNamed(target, (name) => cluster.table(target.resource, { namespace: target.namespace, name }));
  return tables.length === 0 ? undefined : { ...tables[0], rows: tables.flatMap((t) => t.rows ?? []) };
}

async function fetchObjects(cluster: Cluster, target: Target, selector: string | undefined): Promise<KubeObject[]> {
  if (target.names.length > 0) return eachNamed(target, (name) => cluster.get(target.resource, target.namespace, name));
  return (await cluster.list(target.resource, { namespace: target.namespace, labelSelector: selector })).items;
}

function printObjects(objects: KubeObject[], format: 'yaml' | 'json' | 'name', single: boolean, showManagedFields: boolean): void {
  if (format === 'name') {
    for (const object of objects) process.stdout.write(`${objectReference(object)}\n`);
    return;
  }
  const value = objectOrList(showManagedFields ? objects : objects.map(withoutManagedFields), single);
  process.stdout.write(format === 'yaml' ? toYaml(value) : toJson(value));
}

function noResourcesMessage(targets: Target[]): string {
  const namespaces = new Set(targets.map((t) => t.namespace));
  const [namespace] = namespaces;
  return namespaces.size === 1 && namespace ? `No resources found in ${namespace} namespace.` : 'No resources found';
}

/** Streams changes after the initial listing until interrupted, in the same format. */
async function watchChanges(cluster: Cluster, target: Target, argv: GetOptions, initial: Table | undefined, tableOptions: TablePrintOptions): Promise<void> {
  const format = argv.output;
  const printed: string[][] = [];
  const rowsByUid = new Map<string, string[]>();
  let header: string[] | undefined;
  if (initial?.rows?.length) {
    const cells = tableCells(initial, tableOptions);
    header = cells.header;
    printed.push(header, ...cells.rows);
    (initial.rows ?? []).forEach((row, i) => { if (row.object?.metadata?.uid) rowsByUid.set(row.object.metadata.uid, cells.rows[i]); });
  }
  const printRow = (cells: string[], table: Table) => {
    if (!header) {
      header = tableCells(table, tableOptions).header;
      printed.push(header);
      if (!argv['no-headers']) process.stdout.write(`${styleFor(process.stdout).bold(alignColumns([header])[0])}\n`);
    }
    printed.push(cells);
    process.stdout.write(`${alignColumns(printed).at(-1)}\n`);
  };

  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());
  const onEvent = async (event: WatchEvent) => {
    const object = event.object;
    if (format === 'yaml' || format === 'json' || format === 'name') {
      if (format === 'yaml') process.stdout.write('---\n');
      printObjects([object], format, true, argv['show-managed-fields']);
      return;
    }
    const uid = object.metadata.uid ?? '';
    if (event.type === 'DELETED') {
      const cells = rowsByUid.get(uid);
      rowsByUid.delete(uid);
      if (cells && initial) printRow(cells, initial);
      return;
    }
    try {
      const table = await cluster.table(target.resource, { namespace: object.metadata.namespace, name: object.metadata.name! });
      const cells = tableCells(table, tableOptions).rows[0];
      if (!cells) return;
      rowsByUid.set(uid, cells);
      printRow(cells, table);
    } catch {
      // Gone again before we could render it; its DELETED event follows.
    }
  };
  await cluster.watch(target.resource, {
    namespace: target.namespace,
    labelSelector: argv.selector,
    fieldSelector: target.names.length === 1 ? `metadata.name=${target.names[0]}` : undefined,
    resourceVersion: initial?.metadata?.resourceVersion,
  }, onEvent, controller.signal);
}

export async function get(argv: GetOptions): Promise<void> {
  const selections = parseResourceArgs([argv.resource, ...argv.names]);
  if (argv.watch && (selections.length > 1 || selections[0].names.length > 1)) {
    throw new UsageError('--watch works on one kind, and at most one name', 'run one `slipway get --watch` per kind');
  }
  const cluster = await connect(argv);
  const targets = await resolveTargets(cluster, selections, argv);
  const format = argv.output;
  const singleObject = targets.length === 1 && targets[0].names.length === 1;

  if (format === 'yaml' || format === 'json' || format === 'name') {
    // A watch without a resourceVersion starts with every current object, so it lists them too.
    if (argv.watch) return watchChanges(cluster, targets[0], argv, undefined, {});
    const objects: KubeObject[] = [];
    for (const target of targets) objects.push(...await fetchObjects(cluster, target, argv.selector));
    if (objects.length > 0 || !singleObject) printObjects(objects, format, singleObject, argv['show-managed-fields']);
    return;
  }

  const tableOptions = (target: Target): TablePrintOptions => ({
    wide: format === 'wide',
    withNamespace: argv['all-namespaces'] && target.resource.namespaced,
    kindPrefix: targets.length > 1 ? kindReference(target.resource.kind, target.resource.group ? `${target.resource.group}/${target.resource.version}` : target.resource.version) : undefined,
    noHeaders: argv['no-headers'],
    style: styleFor(process.stdout),
  });
  const rendered: string[] = [];
  let firstTable: Table | undefined;
  for (const target of targets) {
    const table = await fetchTable(cluster, target, argv.selector);
    firstTable ??= table;
    const text = table ? renderTable(table, tableOptions(target)) : '';
    if (text) rendered.push(text);
  }
  if (rendered.length > 0) process.stdout.write(`${rendered.join('\n\n')}\n`);
  else if (targets.every((t) => t.names.length === 0)) process.stderr.write(`${noResourcesMessage(targets)}\n`);
  if (argv.watch) await watchChanges(cluster, targets[0], argv, firstTable, tableOptions(targets[0]));
}
