// `slipway describe`: one object as a readable page in kubectl's describe layout — identity first,
// then metadata, owners, every other field as indented "Key:  value" lines with conditions as a
// table, and finally the events recorded about the object.
import type { Condition, KubeObject, ObjectMeta, OwnerReference } from '../../api/meta.ts';
import { plainStyle, type Style } from '../style.ts';
import { ageOf } from './duration.ts';
import { alignColumns } from './table-printer.ts';

/** The fields of a core/v1 Event that describe shows. */
export interface EventLike {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  source?: { component?: string; host?: string };
  reportingComponent?: string;
  metadata?: ObjectMeta;
}

export interface DescribeOptions {
  now?: Date;
  style?: Style;
}

/** A line of output: one cell is printed as is, several cells are aligned with their neighbours. */
type Line = string[];

const ACRONYMS = new Set(['api', 'uid', 'id', 'ip', 'url', 'uri', 'cidr', 'dns', 'ssh', 'tls', 'cpu', 'http', 'https', 'json', 'yaml', 'oci', 'vm', 'ca']);
const HIDDEN_ANNOTATIONS = new Set(['kubectl.kubernetes.io/last-applied-configuration']);
const INDENT = '  ';
const PADDING = 2;

/** "apiVersion" → "API Version", "podCIDRs" → "Pod CIDRs"; keys that are not identifiers stay as they are. */
export function labelFor(key: string): string {
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(key)) return key;
  const words = key.match(/[A-Z]+s?(?![a-z])|[A-Z]?[a-z]+|\d+/g) ?? [key];
  return words.map((word) => {
    const lower = word.toLowerCase();
    if (ACRONYMS.has(lower)) return lower.toUpperCase();
    if (lower.endsWith('s') && ACRONYMS.has(lower.slice(0, -1))) return `${lower.slice(0, -1).toUpperCase()}s`;
    return word[0].toUpperCase() + word.slice(1);
  }).join(' ');
}

function isConditionList(value: unknown): value is Condition[] {
  return Array.isArray(value) && value.length > 0 && value.every((c) => c !== null && typeof c === 'object' && 'type' in c && 'status' in c);
}

function scalar(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  return typeof value === 'string' ? value : String(value);
}

/** A table nested at `indent`: header, dashes, rows. */
function tableLines(indent: string, header: string[], rows: string[][]): Line[] {
  const dashes = header.map((h) => '-'.repeat(h.length));
  return [header, dashes, ...rows].map((cells) => [indent + cells[0], ...cells.slice(1)]);
}

function conditionLines(indent: string, conditions: Condition[], now: Date): Line[] {
  const rows = conditions.map((c) => [c.type, c.status, c.reason || '', c.lastTransitionTime ? ageOf(c.lastTransitionTime, now) : '', c.message ?? '']);
  return tableLines(indent, ['Type', 'Status', 'Reason', 'Age', 'Message'], rows);
}

/** Every field of `value` as indented key/value lines, recursing into maps and lists. */
function fieldLines(value: Record<string, unknown>, indent: string, now: Date, rawKeys = false): Line[] {
  const lines: Line[] = [];
  for (const [key, field] of Object.entries(value)) {
    const label = `${indent}${rawKeys ? key : labelFor(key)}:`;
    lines.push(...valueLines(label, field, indent, now));
  }
  return lines;
}

/** Maps whose keys are the user's own names (ConfigMap and Secret data), printed verbatim. */
const USER_KEYED_FIELDS = new Set(['data', 'stringData', 'binaryData']);

/** Top-level fields; a Secret's values are never shown, only their sizes (as kubectl does). */
function topLevelLines(object: KubeObject, fields: Record<string, unknown>, now: Date): Line[] {
  const isSecret = object.kind === 'Secret' && object.apiVersion === 'v1';
  const lines: Line[] = [];
  for (const [key, field] of Object.entries(fields)) {
    if (!USER_KEYED_FIELDS.has(key) || field === null || typeof field !== 'object' || Array.isArray(field)) {
      lines.push(...valueLines(`${labelFor(key)}:`, field, '', now));
      continue;
    }
    const map = field as Record<string, unknown>;
    const shown = isSecret ? Object.fromEntries(Object.entries(map).map(([k, v]) => [k, `${Buffer.from(String(v), 'base64').length} bytes`])) : map;
    lines.push([`${labelFor(key)}:`], ...fieldLines(shown, INDENT, now, true));
  }
  return lines;
}

function valueLines(label: string, field: unknown, indent: string, now: Date): Line[] {
  const nested = indent + INDENT;
  if (isConditionList(field)) return [[label], ...conditionLines(nested, field, now)];
  if (Array.isArray(field)) {
    if (field.length === 0) return [[label, '']];
    const lines: Line[] = [[label]];
    for (const item of field) {
      if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
        // Items of a list of maps start with "- " so where one ends and the next begins stays visible.
        const itemLines = fieldLines(item as Record<string, unknown>, nested + INDENT, now);
        if (itemLines.length > 0) itemLines[0][0] = `${nested}- ${itemLines[0][0].slice(nested.length + INDENT.length)}`;
        lines.push(...itemLines);
      } else {
        lines.push(...multiline(`${nested}`, Array.isArray(item) ? JSON.stringify(item) : scalar(item)));
      }
    }
    return lines;
  }
  if (field !== null && typeof field === 'object') {
    const entries = Object.keys(field);
    return entries.length === 0 ? [[label, '']] : [[label], ...fieldLines(field as Record<string, unknown>, nested, now)];
  }
  const text = scalar(field);
  return text.includes('\n') ? [[label], ...multiline(nested, text)] : [[label, text]];
}

function multiline(indent: string, text: string): Line[] {
  return text.replace(/\n$/, '').split('\n').map((line) => [indent + line]);
}

function mapLines(label: string, map: Record<string, string> | undefined, separator: string, hidden: Set<string> = new Set()): Line[] {
  const keys = Object.keys(map ?? {}).filter((k) => !hidden.has(k)).sort();
  if (keys.length === 0) return [[label, '<none>']];
  return keys.map((key, i) => [i === 0 ? label : '', `${key}${separator}${map![key]}`]);
}

function ownerLines(owners: OwnerReference[]): Line[] {
  const rows = owners.map((o) => [o.kind, o.name, o.apiVersion, o.controller ? 'true' : 'false']);
  return [['Owner References:'], ...tableLines(INDENT, ['Kind', 'Name', 'API Version', 'Controller'], rows)];
}

function eventTime(event: EventLike): string | undefined {
  return event.lastTimestamp || event.eventTime || event.metadata?.creationTimestamp;
}

function eventLines(events: EventLike[], now: Date): Line[] {
  if (events.length === 0) return [['Events:', '<none>']];
  const sorted = [...events].sort((a, b) => Date.parse(eventTime(a) ?? '') - Date.parse(eventTime(b) ?? ''));
  const rows = sorted.map((event) => {
    let age = ageOf(eventTime(event), now);
    if ((event.count ?? 1) > 1 && event.firstTimestamp) age += ` (x${event.count} over ${ageOf(event.firstTimestamp, now)})`;
    const from = event.source?.component || event.reportingComponent || '';
    return [event.type ?? '', event.reason ?? '', age, from, (event.message ?? '').trim()];
  });
  return [['Events:'], ...tableLines(INDENT, ['Type', 'Reason', 'Age', 'From', 'Message'], rows)];
}

/**
 * Aligns each run of neighbouring lines with the same number of cells at the same depth (a list
 * item's "- " counts as indentation; an empty first cell continues the line above), so every
 * block of fields lines up on its own, as in kubectl describe.
 */
function render(lines: Line[]): string[] {
  let depth = 0;
  const keys = lines.map((line) => {
    if (line[0] !== '') depth = /^ *(- )?/.exec(line[0])![0].length;
    return `${line.length}:${depth}`;
  });
  const out: string[] = [];
  for (let i = 0; i < lines.length;) {
    let end = i + 1;
    while (end < lines.length && keys[end] === keys[i]) end++;
    const run = lines.slice(i, end);
    out.push(...(run[0].length > 1 ? alignColumns(run, { padding: PADDING, minWidth: 0 }).map((l) => l.trimEnd()) : run.map((l) => l[0])));
    i = end;
  }
  return out;
}

export function renderDescribe(object: KubeObject, events: EventLike[], options: DescribeOptions = {}): string {
  const now = options.now ?? new Date();
  const style = options.style ?? plainStyle;
  const { name, namespace, labels, annotations, ownerReferences, managedFields: _managed, ...metadata } = object.metadata;
  const { apiVersion, kind, metadata: _metadata, ...fields } = object;

  const lines: Line[] = [['Name:', name ?? '']];
  if (namespace) lines.push(['Namespace:', namespace]);
  lines.push(...mapLines('Labels:', labels, '='));
  lines.push(...mapLines('Annotations:', annotations, ': ', HIDDEN_ANNOTATIONS));
  lines.push(['API Version:', apiVersion], ['Kind:', kind]);
  if (Object.keys(metadata).length > 0) lines.push(['Metadata:'], ...fieldLines(metadata, INDENT, now));
  if (ownerReferences?.length) lines.push(...ownerLines(ownerReferences));
  lines.push(...topLevelLines(object, fields, now));
  lines.push(...eventLines(events, now));

  // Section headers (unindented lines ending in ":") stand out on a terminal.
  return render(lines).map((line) => (/^[A-Z][^:]*:/.test(line) ? line.replace(/^[^:]*:/, (h) => style.bold(h)) : line)).join('\n');
}
