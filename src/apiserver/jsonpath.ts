// The JSONPath subset printer columns use: `.a.b`, `['a.b']`, `[0]`, `[*]`, `.*` and filters
// `[?(@.type=="Ready")]` (==, !=), optionally wrapped in `{}` as kubectl writes them.

type Step =
  | { kind: 'field'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'wildcard' }
  | { kind: 'filter'; path: string[]; op: '==' | '!=' | 'exists'; value?: unknown };

const compiled = new Map<string, Step[]>();

function compile(expression: string): Step[] {
  let cached = compiled.get(expression);
  if (cached) return cached;
  let text = expression.trim();
  if (text.startsWith('{') && text.endsWith('}')) text = text.slice(1, -1).trim();
  if (text.startsWith('$')) text = text.slice(1);
  const steps: Step[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '.') {
      i++;
      if (text[i] === '*') { steps.push({ kind: 'wildcard' }); i++; continue; }
      const j = fieldEnd(text, i);
      if (j > i) steps.push({ kind: 'field', name: unescape(text.slice(i, j)) });
      i = j;
    } else if (text[i] === '[') {
      const end = findClose(text, i);
      const inner = text.slice(i + 1, end).trim();
      i = end + 1;
      if (inner === '*') steps.push({ kind: 'wildcard' });
      else if (/^-?\d+$/.test(inner)) steps.push({ kind: 'index', index: Number(inner) });
      else if (/^'.*'$|^".*"$/.test(inner)) steps.push({ kind: 'field', name: unescape(inner.slice(1, -1)) });
      else if (inner.startsWith('?(') && inner.endsWith(')')) steps.push(compileFilter(inner.slice(2, -1).trim(), expression));
      else throw new Error(`unsupported JSONPath segment [${inner}] in ${expression}`);
    } else {
      const j = fieldEnd(text, i);
      steps.push({ kind: 'field', name: unescape(text.slice(i, j)) });
      i = j;
    }
  }
  if (compiled.size < 1024) compiled.set(expression, steps);
  return steps;
}

/** Where a dotted field name ends; `\.` inside it is part of the name (`labels.cluster\.x-k8s\.io/name`). */
function fieldEnd(text: string, start: number): number {
  let j = start;
  while (j < text.length && text[j] !== '.' && text[j] !== '[') j += text[j] === '\\' ? 2 : 1;
  return Math.min(j, text.length);
}

/** Kubernetes' CRDs escape dots in label keys (`['cluster\.x-k8s\.io/cluster-name']`); the key has plain dots. */
function unescape(name: string): string {
  return name.replace(/\\(.)/g, '$1');
}

function findClose(text: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (quote) { if (c === quote) quote = undefined; continue; }
    if (c === '"' || c === "'") quote = c;
    else if (c === '[') depth++;
    else if (c === ']' && --depth === 0) return i;
  }
  throw new Error(`unterminated [ in JSONPath ${text}`);
}

function compileFilter(condition: string, expression: string): Step {
  const m = /^@((?:\.[A-Za-z0-9_-]+)+)\s*(?:(==|!=)\s*(.+))?$/.exec(condition);
  if (!m) throw new Error(`unsupported JSONPath filter ${condition} in ${expression}`);
  const path = m[1].slice(1).split('.');
  if (!m[2]) return { kind: 'filter', path, op: 'exists' };
  const raw = m[3].trim();
  const value = /^'.*'$/.test(raw) ? raw.slice(1, -1) : JSON.parse(raw);
  return { kind: 'filter', path, op: m[2] as '==' | '!=', value };
}

function child(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[name] : undefined;
}

/** Every value the expression selects in `root` (undefined results dropped). Throws on unsupported syntax. */
export function evaluateJsonPath(root: unknown, expression: string): unknown[] {
  let current: unknown[] = [root];
  for (const step of compile(expression)) {
    const next: unknown[] = [];
    for (const value of current) {
      switch (step.kind) {
        case 'field': { const v = child(value, step.name); if (v !== undefined) next.push(v); break; }
        case 'index': if (Array.isArray(value)) { const v = value.at(step.index); if (v !== undefined) next.push(v); } break;
        case 'wildcard':
          if (Array.isArray(value)) next.push(...value);
          else if (typeof value === 'object' && value !== null) next.push(...Object.values(value));
          break;
        case 'filter':
          if (!Array.isArray(value)) break;
          for (const item of value) {
            const field = step.path.reduce<unknown>((o, k) => child(o, k), item);
            const keep = step.op === 'exists' ? field !== undefined : (field === step.value) === (step.op === '==');
            if (keep) next.push(item);
          }
      }
    }
    current = next;
  }
  return current;
}
