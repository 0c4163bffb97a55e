// Reads the objects `apply -f` and `delete -f` act on: multi-document YAML or JSON from files,
// directories (.yaml, .yml, .json; recursively with -R) or stdin, in the order given.
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { KubeObject } from '../api/meta.ts';
import { CliError } from './errors.ts';
import { yaml } from './yaml.ts';

export interface Manifest {
  object: KubeObject;
  /** Where it came from, for messages: "dir/app.yaml (document 2)". */
  source: string;
}

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** The manifest files a path names: itself, or the manifests in a directory (sorted, like kubectl). */
async function manifestFiles(target: string, recursive: boolean): Promise<string[]> {
  let info;
  try {
    info = await stat(target);
  } catch {
    throw new CliError(`the path "${target}" does not exist`, 'check the file name passed to -f');
  }
  if (!info.isDirectory()) return [target];
  const files: string[] = [];
  for (const entry of (await readdir(target, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(target, entry.name);
    if (entry.isDirectory()) {
      if (recursive) files.push(...await manifestFiles(full, true));
    } else if (MANIFEST_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) {
      files.push(full);
    }
  }
  return files;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Checks one parsed document and expands `kind: List` (and *List kinds) into its items. */
function objectsOf(value: unknown, source: string): Manifest[] {
  if (!isObject(value)) throw new CliError(`${source} is not an object`, 'each document must be a Kubernetes object with apiVersion, kind and metadata');
  if (Array.isArray(value.items) && typeof value.kind === 'string' && value.kind.endsWith('List')) {
    return value.items.flatMap((item, i) => objectsOf(item, `${source} item ${i + 1}`));
  }
  for (const field of ['apiVersion', 'kind'] as const) {
    if (typeof value[field] !== 'string' || value[field] === '') {
      throw new CliError(`${source} has no ${field}`, `set ${field} on the object`);
    }
  }
  const metadata = value.metadata;
  if (!isObject(metadata) || typeof metadata.name !== 'string' || metadata.name === '') {
    throw new CliError(`${source} (${value.kind}) has no metadata.name`, 'set metadata.name on the object');
  }
  return [{ object: value as unknown as KubeObject, source }];
}

/** Parses multi-document YAML (JSON is YAML too); empty documents are skipped. */
export function parseManifests(text: string, name: string): Manifest[] {
  const documents = yaml().parseAllDocuments(text, { prettyErrors: true });
  if (!Array.isArray(documents)) return []; // an empty stream
  const manifests: Manifest[] = [];
  documents.forEach((document, index) => {
    const source = documents.length > 1 ? `${name} (document ${index + 1})` : name;
    const error = document.errors[0];
    if (error) {
      const where = error.linePos ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}` : '';
      const what = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      throw new CliError(`malformed YAML in ${source}${where}: ${what}`, 'fix the syntax; `slipway apply` reads YAML or JSON documents separated by ---');
    }
    const value = document.toJS();
    if (value !== null && value !== undefined) manifests.push(...objectsOf(value, source));
  });
  return manifests;
}

export async function readManifests(targets: string[], options: { recursive?: boolean; stdin?: NodeJS.ReadableStream } = {}): Promise<Manifest[]> {
  const manifests: Manifest[] = [];
  for (const target of targets) {
    if (target === '-') {
      manifests.push(...parseManifests(await readStdin(options.stdin ?? process.stdin), 'stdin'));
      continue;
    }
    const files = await manifestFiles(target, options.recursive ?? false);
    if (files.length === 0) throw new CliError(`no .yaml, .yml or .json files in the directory "${target}"`, 'use -R to include subdirectories');
    for (const file of files) manifests.push(...parseManifests(await readFile(file, 'utf8'), file));
  }
  if (manifests.length === 0) throw new CliError(`no objects found in ${targets.join(', ')}`, 'the files given with -f contain no documents');
  return manifests;
}
