// Whole objects as YAML, JSON or "kind/name", matching kubectl's -o yaml|json|name output:
// YAML keys sorted, sequences not indented under their key; JSON indented by four spaces;
// several objects wrapped in a v1 List.
import { yaml } from '../yaml.ts';
import { splitApiVersion, type KubeObject } from '../../api/meta.ts';

export interface ObjectList {
  apiVersion: 'v1';
  kind: 'List';
  metadata: { resourceVersion: string };
  items: KubeObject[];
}

/** The object without metadata.managedFields, which kubectl hides unless asked (they are long). */
export function withoutManagedFields(object: KubeObject): KubeObject {
  if (!object.metadata?.managedFields) return object;
  const { managedFields: _hidden, ...metadata } = object.metadata;
  return { ...object, metadata };
}

/** One object as is; none or several as a List, as kubectl prints them. */
export function objectOrList(objects: KubeObject[], single: boolean): KubeObject | ObjectList {
  if (single && objects.length === 1) return objects[0];
  return { apiVersion: 'v1', kind: 'List', items: objects, metadata: { resourceVersion: '' } };
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]));
}

export function toYaml(value: unknown): string {
  return yaml().stringify(sortKeys(value), { indentSeq: false, lineWidth: 0 });
}

export function toJson(value: unknown): string {
  return JSON.stringify(value, null, 4) + '\n';
}

/** kubectl's short reference to a kind: "configmap", or "widget.example.com" outside the core group. */
export function kindReference(kind: string, apiVersion: string): string {
  const { group } = splitApiVersion(apiVersion);
  return group ? `${kind.toLowerCase()}.${group}` : kind.toLowerCase();
}

export function objectReference(object: Pick<KubeObject, 'kind' | 'apiVersion' | 'metadata'>): string {
  return `${kindReference(object.kind, object.apiVersion)}/${object.metadata.name}`;
}
