// Field selectors (`metadata.name=x,metadata.namespace!=y`), limited per kind to the fields
// Kubernetes indexes: metadata.name and metadata.namespace everywhere, plus the Event fields
// `kubectl describe` filters on and a few others of built-in kinds.
import type { KubeObject } from '../api/meta.ts';
import type { ResourceType } from '../api/resource.ts';
import { badRequest } from './status-errors.ts';

type FieldGetter = (obj: KubeObject) => string | undefined;

const str = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : String(v));
const at = (obj: KubeObject, ...path: string[]): unknown => path.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);

const commonFields: Record<string, FieldGetter> = {
  'metadata.name': (o) => o.metadata.name,
  'metadata.namespace': (o) => o.metadata.namespace ?? '',
};

const involvedObject = (field: string): FieldGetter => (o) => str(at(o, 'involvedObject', field));

const kindFields: Record<string, Record<string, FieldGetter>> = {
  '/Event': {
    'involvedObject.kind': involvedObject('kind'),
    'involvedObject.namespace': involvedObject('namespace'),
    'involvedObject.name': involvedObject('name'),
    'involvedObject.uid': involvedObject('uid'),
    'involvedObject.apiVersion': involvedObject('apiVersion'),
    'involvedObject.resourceVersion': involvedObject('resourceVersion'),
    'involvedObject.fieldPath': involvedObject('fieldPath'),
    reason: (o) => str(o.reason),
    reportingComponent: (o) => str(o.reportingComponent),
    source: (o) => str(at(o, 'source', 'component')) ?? str(o.reportingComponent),
    type: (o) => str(o.type),
  },
  '/Secret': { type: (o) => str(o.type) },
  '/Namespace': { 'status.phase': (o) => str(at(o, 'status', 'phase')) },
};

const fieldsCache = new WeakMap<ResourceType, Record<string, FieldGetter>>();

function fieldsOf(type: ResourceType): Record<string, FieldGetter> {
  let fields = fieldsCache.get(type);
  if (!fields) {
    fields = { ...commonFields, ...(type.builtin ? kindFields[`${type.group}/${type.kind}`] : undefined) };
    fieldsCache.set(type, fields);
  }
  return fields;
}

interface FieldRequirement {
  field: string;
  get: FieldGetter;
  value: string;
  equal: boolean;
}

export interface FieldSelector {
  requirements: FieldRequirement[];
  matches(obj: KubeObject): boolean;
  /** The value metadata.name must equal, if the selector pins it (lets a list become a get). */
  exactName?: string;
}

/** Splits on `sep` outside backslash escapes, then unescapes each part. */
function splitEscaped(input: string, sep: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c === '\\' && i + 1 < input.length) { current += c + input[++i]; continue; }
    if (c === sep) { parts.push(current); current = ''; continue; }
    current += c;
  }
  parts.push(current);
  return parts;
}

const unescape = (s: string) => s.replace(/\\(.)/g, '$1');

export function parseFieldSelector(input: string, type: ResourceType): FieldSelector {
  const fields = fieldsOf(type);
  const requirements: FieldRequirement[] = [];
  for (const term of splitEscaped(input, ',')) {
    if (term.trim() === '') continue;
    const match = /^((?:[^=!\\]|\\.)*)(!=|==|=)(.*)$/.exec(term);
    if (!match) throw badRequest(`invalid field selector: "${term}": expected <field>=<value>, <field>==<value> or <field>!=<value>`);
    const field = match[1].trim();
    const get = fields[field];
    if (!get) {
      throw badRequest(`"${field}" is not a known field selector: only ${Object.keys(fields).map((f) => `"${f}"`).join(', ')}`);
    }
    requirements.push({ field, get, value: unescape(match[3]), equal: match[2] !== '!=' });
  }
  const exactName = requirements.find((r) => r.field === 'metadata.name' && r.equal)?.value;
  return {
    requirements,
    exactName,
    matches(obj) {
      for (const r of requirements) {
        if (((r.get(obj) ?? '') === r.value) !== r.equal) return false;
      }
      return true;
    },
  };
}
