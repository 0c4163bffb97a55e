// meta.k8s.io/v1 Table responses (what `kubectl get` prints): NAME first, then the kind's printer
// columns evaluated with JSONPath, dates rendered as ages; rows carry the object, its metadata
// or nothing, as includeObject asks.
import type { KubeObject, ListMeta } from '../api/meta.ts';
import type { PrinterColumn, ResourceType } from '../api/resource.ts';
import { evaluateJsonPath } from './jsonpath.ts';
import { humanDuration } from './human-duration.ts';
import { badRequest } from './status-errors.ts';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface TableRow {
  cells: unknown[];
  object?: unknown;
}

export function parseIncludeObject(query: URLSearchParams): IncludeObject {
  const value = query.get('includeObject');
  if (value === null || value === '') return 'Metadata';
  if (value === 'None' || value === 'Metadata' || value === 'Object') return value;
  throw badRequest(`includeObject must be one of "None", "Metadata" or "Object", got ${JSON.stringify(value)}`);
}

const nameColumn: TableColumnDefinition = {
  name: 'Name', type: 'string', format: 'name', priority: 0,
  description: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically.',
};

const definitions = new WeakMap<ResourceType, TableColumnDefinition[]>();

export function columnDefinitions(type: ResourceType): TableColumnDefinition[] {
  let columns = definitions.get(type);
  if (!columns) {
    columns = [nameColumn, ...type.printerColumns.map((c) => ({
      name: c.name,
      type: c.type === 'date' ? 'string' : c.type,
      format: c.format ?? '',
      description: c.description ?? (c.type === 'date' ? 'CreationTimestamp is a timestamp representing the server time when this object was created.' : ''),
      priority: c.priority ?? 0,
    }))];
    definitions.set(type, columns);
  }
  return columns;
}

function cell(column: PrinterColumn, obj: KubeObject, now: number): unknown {
  let values: unknown[];
  try {
    values = evaluateJsonPath(obj, column.jsonPath);
  } catch {
    return null;
  }
  if (values.length === 0 || values[0] === null) return null;
  const value = values[0];
  switch (column.type) {
    case 'integer':
      if (Number.isInteger(value)) return value;
      // Built-in count columns (a ConfigMap's DATA) point at the map itself.
      if (typeof value === 'object') return Array.isArray(value) ? value.length : Object.keys(value as object).length;
      return null;
    case 'number': return typeof value === 'number' ? value : null;
    case 'boolean': return typeof value === 'boolean' ? value : null;
    case 'date': {
      const at = typeof value === 'string' ? Date.parse(value) : NaN;
      return Number.isNaN(at) ? null : humanDuration(now - at);
    }
    default: return typeof value === 'string' ? value : JSON.stringify(value);
  }
}

export function tableRow(type: ResourceType, obj: KubeObject, include: IncludeObject, now = Date.now()): TableRow {
  const row: TableRow = { cells: [obj.metadata.name, ...type.printerColumns.map((c) => cell(c, obj, now))] };
  if (include === 'Object') row.object = obj;
  else if (include === 'Metadata') row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
  return row;
}

export function table(type: ResourceType, objects: KubeObject[], metadata: ListMeta, include: IncludeObject, withColumns = true): object {
  const now = Date.now();
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: withColumns ? columnDefinitions(type) : [],
    rows: objects.map((o) => tableRow(type, o, include, now)),
  };
}

export function partialObjectMetadata(obj: KubeObject): object {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}
