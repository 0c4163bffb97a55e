// Label selectors in Kubernetes' full string syntax: `a=b`, `a==b`, `a!=b`, `a in (x,y)`,
// `a notin (x)`, `a` (exists), `!a` (does not exist), `a>1`, `a<1`, comma-separated (AND).
import { badRequest } from './status-errors.ts';

export type Requirement =
  | { key: string; op: 'exists' | 'notexists' }
  | { key: string; op: 'in' | 'notin'; values: Set<string> }
  | { key: string; op: 'gt' | 'lt'; value: number };

export interface LabelSelector {
  requirements: Requirement[];
  matches(labels: Record<string, string> | undefined): boolean;
}

const qualifiedNamePart = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export function isValidLabelKey(key: string): boolean {
  const slash = key.indexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (slash >= 0) {
    const prefix = key.slice(0, slash);
    if (prefix.length === 0 || prefix.length > 253 || !dnsSubdomain.test(prefix)) return false;
  }
  return name.length <= 63 && qualifiedNamePart.test(name);
}

export function isValidLabelValue(value: string): boolean {
  return value.length <= 63 && labelValue.test(value);
}

type Token = { kind: 'ident'; text: string } | { kind: 'op'; text: '=' | '==' | '!=' | '!' | '(' | ')' | ',' | '>' | '<' };

function tokenize(input: string, fail: (why: string) => never): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    if (c === ' ' || c === '\t') { i++; continue; }
    if (c === '=' && input[i + 1] === '=') { tokens.push({ kind: 'op', text: '==' }); i += 2; continue; }
    if (c === '!' && input[i + 1] === '=') { tokens.push({ kind: 'op', text: '!=' }); i += 2; continue; }
    if (c === '=' || c === '!' || c === '(' || c === ')' || c === ',' || c === '>' || c === '<') { tokens.push({ kind: 'op', text: c }); i++; continue; }
    let j = i;
    while (j < input.length && !' \t=!(),<>'.includes(input[j])) j++;
    if (j === i) fail(`unexpected character ${JSON.stringify(c)}`);
    tokens.push({ kind: 'ident', text: input.slice(i, j) });
    i = j;
  }
  return tokens;
}

/** Parses a labelSelector query parameter; throws a 400 Status naming the problem. */
export function parseLabelSelector(input: string): LabelSelector {
  const fail = (why: string): never => { throw badRequest(`unable to parse requirement: invalid label selector "${input}": ${why}`); };
  const tokens = tokenize(input, fail);
  const requirements: Requirement[] = [];
  let pos = 0;
  const peek = () => tokens[pos];
  const ident = (what: string): string => {
    const t = tokens[pos++];
    if (!t || t.kind !== 'ident') fail(`expected ${what}${t ? ` but found ${JSON.stringify(t.text)}` : ' but the selector ended'}`);
    return (t as { text: string }).text;
  };
  const key = (): string => {
    const k = ident('a label key');
    if (!isValidLabelKey(k)) fail(`invalid label key ${JSON.stringify(k)}: must be a qualified name (up to 63 alphanumerics, '-', '_' or '.', with an optional DNS subdomain prefix and '/')`);
    return k;
  };
  const value = (allowEmpty: boolean): string => {
    const t = peek();
    if (allowEmpty && (!t || (t.kind === 'op' && (t.text === ',' || t.text === ')')))) return '';
    const v = ident('a label value');
    if (!isValidLabelValue(v)) fail(`invalid label value ${JSON.stringify(v)}: must be at most 63 alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric`);
    return v;
  };
  if (tokens.length === 0) return compile(requirements);
  for (;;) {
    const t = peek();
    if (t?.kind === 'op' && t.text === '!') {
      pos++;
      requirements.push({ key: key(), op: 'notexists' });
    } else {
      const k = key();
      const op = peek();
      if (!op || (op.kind === 'op' && op.text === ',')) {
        requirements.push({ key: k, op: 'exists' });
      } else if (op.kind === 'op' && (op.text === '=' || op.text === '==' || op.text === '!=')) {
        pos++;
        requirements.push({ key: k, op: op.text === '!=' ? 'notin' : 'in', values: new Set([value(true)]) });
      } else if (op.kind === 'op' && (op.text === '>' || op.text === '<')) {
        pos++;
        const v = ident('an integer');
        if (!/^-?\d+$/.test(v)) fail(`${JSON.stringify(v)} is not an integer`);
        requirements.push({ key: k, op: op.text === '>' ? 'gt' : 'lt', value: Number(v) });
      } else if (op.kind === 'ident' && (op.text === 'in' || op.text === 'notin')) {
        pos++;
        const open = tokens[pos++];
        if (!open || open.text !== '(' || open.kind !== 'op') fail(`expected "(" after "${op.text}"`);
        const values = new Set<string>();
        for (;;) {
          values.add(value(true));
          const sep = tokens[pos++];
          if (sep?.kind === 'op' && sep.text === ')') break;
          if (!(sep?.kind === 'op' && sep.text === ',')) fail(sep ? `expected "," or ")" but found ${JSON.stringify(sep.text)}` : 'missing ")"');
        }
        requirements.push({ key: k, op: op.text, values });
      } else {
        fail(`expected an operator (=, ==, !=, in, notin, >, <) after ${JSON.stringify(k)} but found ${JSON.stringify(op.text)}`);
      }
    }
    const sep = tokens[pos++];
    if (!sep) break;
    if (!(sep.kind === 'op' && sep.text === ',')) fail(`expected "," but found ${JSON.stringify(sep.text)}`);
    if (!peek()) fail('the selector ends with ","');
  }
  return compile(requirements);
}

function compile(requirements: Requirement[]): LabelSelector {
  return {
    requirements,
    matches(labels) {
      for (const r of requirements) {
        const has = labels !== undefined && Object.hasOwn(labels, r.key);
        const v = has ? labels[r.key] : undefined;
        switch (r.op) {
          case 'exists': if (!has) return false; break;
          case 'notexists': if (has) return false; break;
          case 'in': if (!has || !r.values.has(v!)) return false; break;
          case 'notin': if (has && r.values.has(v!)) return false; break;
          case 'gt': case 'lt': {
            if (!has || !/^-?\d+$/.test(v!)) return false;
            if (r.op === 'gt' ? !(Number(v) > r.value) : !(Number(v) < r.value)) return false;
          }
        }
      }
      return true;
    },
  };
}
