// Sets of field paths as server-side apply tracks them, and their FieldsV1 wire form.
// A path is a list of path elements written as FieldsV1 keys: `f:<field>`, `k:{"key":value}` for an
// item of an associative list (keys sorted), `v:<json>` for an item of a set, `i:<index>`.
// In FieldsV1 a node is `{}`; its children are its keys and `".": {}` marks the node itself as a member.

export function fieldElement(name: string): string {
  return `f:${name}`;
}

export function keyElement(keys: Record<string, unknown>): string {
  const sorted = Object.fromEntries(Object.keys(keys).sort().map((name) => [name, keys[name]]));
  return `k:${JSON.stringify(sorted)}`;
}

export function valueElement(value: unknown): string {
  return `v:${JSON.stringify(value)}`;
}

const elementRank: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

function compareElements(a: string, b: string): number {
  const rank = (elementRank[a[0]] ?? 4) - (elementRank[b[0]] ?? 4);
  if (rank !== 0) return rank;
  return a < b ? -1 : a > b ? 1 : 0;
}

export class FieldSet {
  /** Whether the path leading to this node is itself in the set. */
  member = false;
  readonly children = new Map<string, FieldSet>();

  static fromPaths(paths: readonly (readonly string[])[]): FieldSet {
    const set = new FieldSet();
    for (const path of paths) set.insert(path);
    return set;
  }

  /** Decodes FieldsV1; throws a plain Error when it is not a tree of objects with known element keys. */
  static fromFieldsV1(fields: unknown): FieldSet {
    const set = new FieldSet();
    decodeInto(set, fields, []);
    return set;
  }

  toFieldsV1(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (this.member && this.children.size > 0) out['.'] = {};
    for (const element of [...this.children.keys()].sort(compareElements)) {
      out[element] = this.children.get(element)!.toFieldsV1();
    }
    return out;
  }

  /** Adds a path; the empty path (the object itself) is never tracked. */
  insert(path: readonly string[]): void {
    if (path.length === 0) return;
    let node: FieldSet = this;
    for (const element of path) {
      let next = node.children.get(element);
      if (next === undefined) {
        next = new FieldSet();
        node.children.set(element, next);
      }
      node = next;
    }
    node.member = true;
  }

  node(path: readonly string[]): FieldSet | undefined {
    let node: FieldSet | undefined = this;
    for (const element of path) node = node?.children.get(element);
    return node;
  }

  has(path: readonly string[]): boolean {
    return path.length > 0 && this.node(path)?.member === true;
  }

  /** True when no path at all is in the set. */
  isEmpty(): boolean {
    if (this.member) return false;
    for (const child of this.children.values()) if (!child.isEmpty()) return false;
    return true;
  }

  /** Member paths, in FieldsV1 order. */
  paths(): string[][] {
    const out: string[][] = [];
    const walk = (node: FieldSet, prefix: string[]) => {
      if (node.member && prefix.length > 0) out.push(prefix);
      for (const element of [...node.children.keys()].sort(compareElements)) walk(node.children.get(element)!, [...prefix, element]);
    };
    walk(this, []);
    return out;
  }

  union(other: FieldSet): FieldSet {
    return combine(this, other, (a, b) => a || b);
  }

  difference(other: FieldSet): FieldSet {
    return combine(this, other, (a, b) => a && !b);
  }

  intersection(other: FieldSet): FieldSet {
    return combine(this, other, (a, b) => a && b);
  }
}

function combine(a: FieldSet | undefined, b: FieldSet | undefined, keep: (inA: boolean, inB: boolean) => boolean): FieldSet {
  const out = new FieldSet();
  out.member = keep(a?.member ?? false, b?.member ?? false);
  const elements = new Set([...(a?.children.keys() ?? []), ...(b?.children.keys() ?? [])]);
  for (const element of elements) {
    const child = combine(a?.children.get(element), b?.children.get(element), keep);
    if (!child.isEmpty()) out.children.set(element, child);
  }
  return out;
}

function decodeInto(node: FieldSet, fields: unknown, path: string[]): void {
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    throw new Error(`FieldsV1 at ${describePath(path) || 'the root'} is not an object`);
  }
  const entries = Object.entries(fields);
  if (entries.length === 0 && path.length > 0) node.member = true;
  for (const [element, value] of entries) {
    if (element === '.') {
      node.member = true;
      continue;
    }
    if (!/^[fkvi]:/.test(element)) throw new Error(`FieldsV1 key ${JSON.stringify(element)} is not a path element`);
    const child = new FieldSet();
    decodeInto(child, value, [...path, element]);
    node.children.set(element, child);
  }
}

function renderValue(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

/** A path as kube-apiserver prints it in conflicts: `.spec.containers[name="app"].image`, `.finalizers[="a"]`. */
export function describePath(path: readonly string[]): string {
  return path.map((element) => {
    const body = element.slice(2);
    switch (element[0]) {
      case 'f':
        return `.${body}`;
      case 'k': {
        const keys = JSON.parse(body) as Record<string, unknown>;
        return `[${Object.entries(keys).map(([name, value]) => `${name}=${renderValue(value)}`).join(',')}]`;
      }
      case 'v':
        return `[=${renderValue(JSON.parse(body))}]`;
      default:
        return `[${body}]`;
    }
  }).join('');
}
