// `slipway describe`: a readable page per object with the events recorded about it.
import type { KubeObject } from '../../api/meta.ts';
import { connect } from '../connection.ts';
import { parseResourceArgs } from '../resource-args.ts';
import { renderDescribe, type EventLike } from '../printers/describe-printer.ts';
import { styleFor } from '../style.ts';
import type { GlobalOptions } from '../global-options.ts';

export interface DescribeOptions extends GlobalOptions {
  resource: string;
  names: string[];
  selector?: string;
}

const EVENTS = { group: '', version: 'v1', plural: 'events', kind: 'Event', namespaced: true };

export async function describe(argv: DescribeOptions): Promise<void> {
  const cluster = await connect(argv);
  const style = styleFor(process.stdout);
  const pages: string[] = [];
  for (const selection of parseResourceArgs([argv.resource, ...argv.names])) {
    const resource = await cluster.resolve(selection.kind);
    const namespace = resource.namespaced ? cluster.namespace : undefined;
    const objects: KubeObject[] = selection.names.length > 0
      ? await Promise.all(selection.names.map((name) => cluster.get(resource, namespace, name)))
      : (await cluster.list(resource, { namespace, labelSelector: argv.selector })).items;
    for (const object of objects) {
      // Events of a cluster-scoped object may be recorded in any namespace.
      const events = await cluster.list(EVENTS, { namespace: object.metadata.namespace, fieldSelector: `involvedObject.uid=${object.metadata.uid}` });
      pages.push(renderDescribe(object, events.items as unknown as EventLike[], { style }));
    }
    if (objects.length === 0 && selection.names.length === 0) {
      process.stderr.write(`No resources found${namespace ? ` in ${namespace} namespace` : ''}.\n`);
    }
  }
  if (pages.length > 0) process.stdout.write(`${pages.join('\n\n\n')}\n`);
}
