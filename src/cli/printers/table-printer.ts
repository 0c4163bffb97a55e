// Renders the API server's Table responses (meta.k8s.io/v1 Table) the way kubectl does: upper-case
// headers, columns padded to the widest cell plus three spaces, priority>0 columns only when wide.
import type { ObjectMeta } from '../../api/meta.ts';
import { plainStyle, type Style } from '../style.ts';
import { ageOf } from './duration.ts';

export interface TableColumnDefinition {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
}

export interface TableRow {
  cells: unknown[];
  object?: { metadata?: ObjectMeta };
}

export interface Table {
  kind: 'Table';
  apiVersion: string;
  metadata?: { resourceVersion?: string };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[] | null;
}

export interface TablePrintOptions {
  /** Include priority>0 columns (`-o wide`). */
  wide?: boolean;
  /** Prepend a NAMESPACE column (`-A`). */
  withNamespace?: boolean;
  /** Prefix names with "kind/" when several kinds are printed together. */
  kindPrefix?: string;
  noHeaders?: boolean;
  now?: Date;
  style?: Style;
}

const PADDING = 3;
const MIN_WIDTH = 6;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Pads every cell but the last of each line to its column's width (widest cell + padding, at
 * least `minWidth`), as Go's tabwriter does for kubectl.
 */
export function alignColumns(lines: string[][], options: { padding?: number; minWidth?: number } = {}): string[] {
  const padding = options.padding ?? PADDING;
  const minWidth = options.minWidth ?? MIN_WIDTH;
  const widths: number[] = [];
  for (const line of lines) {
    line.slice(0, -1).forEach((cell, i) => { widths[i] = Math.max(widths[i] ?? 0, cell.length + padding, minWidth); });
  }
  return lines.map((line) => line.map((cell, i) => (i < line.length - 1 ? cell.padEnd(widths[i]) : cell)).join(''));
}

export function formatCell(value: unknown, column: TableColumnDefinition | undefined, now: Date): string {
  if (value === null || value === undefined) return '<none>';
  if (typeof value === 'string') {
    // A date column is normally aged by the server already; age a raw timestamp if it was not.
    return column?.type === 'date' && RFC3339.test(value) ? ageOf(value, now) : value;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** The cells kubectl would print for a table: the header row, then one row per object. */
export function tableCells(table: Table, options: TablePrintOptions = {}): { header: string[]; rows: string[][] } {
  const now = options.now ?? new Date();
  const shown = table.columnDefinitions
    .map((column, index) => ({ column, index }))
    .filter(({ column }) => options.wide || !column.priority);
  const nameIndex = table.columnDefinitions.findIndex((c) => c.format === 'name');
  const header = shown.map(({ column }) => column.name.toUpperCase());
  const rows = (table.rows ?? []).map((row) => shown.map(({ column, index }) => {
    const text = formatCell(row.cells[index], column, now);
    return index === nameIndex && options.kindPrefix ? `${options.kindPrefix}/${text}` : text;
  }));
  if (options.withNamespace) {
    header.unshift('NAMESPACE');
    (table.rows ?? []).forEach((row, i) => rows[i].unshift(row.object?.metadata?.namespace ?? ''));
  }
  return { header, rows };
}

/** The table as text lines, without a trailing newline; empty when the table has no rows. */
export function renderTable(table: Table, options: TablePrintOptions = {}): string {
  const { header, rows } = tableCells(table, options);
  if (rows.length === 0) return '';
  const lines = alignColumns(options.noHeaders ? rows : [header, ...rows]);
  if (!options.noHeaders) lines[0] = (options.style ?? plainStyle).bold(lines[0]);
  return lines.join('\n');
}
