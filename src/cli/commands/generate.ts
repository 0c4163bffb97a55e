// `slipway generate cluster NAME --flavor F`: a cluster manifest from a template, with clusterctl's
// conventions: templates/<provider>/cluster-template[-<flavor>].yaml, `${VAR}` / `${VAR:=default}`
// variables (envsubst syntax) filled from the flags (CLUSTER_NAME, NAMESPACE, KUBERNETES_VERSION,
// WORKER_MACHINE_COUNT, CONTROL_PLANE_MACHINE_COUNT) and then the environment, and every variable
// without a default required.
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CliError, UsageError } from '../errors.ts';
import type { GlobalOptions } from '../global-options.ts';
import { yaml } from '../yaml.ts';

const TEMPLATES_DIR = path.resolve(import.meta.dirname, '../../../templates');

/** `${NAME}`, `${NAME:=default}`, `${NAME:-default}`, `${NAME=default}`, `${NAME-default}` (spaces inside the braces allowed, as clusterctl's legacy form). */
const VARIABLE = /\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:(:?[=-])([^}]*))?\}/g;

/** The variables `generate cluster` sets from its flags. */
const flagOfVariable: Record<string, string> = {
  KUBERNETES_VERSION: '--kubernetes-version',
  WORKER_MACHINE_COUNT: '--worker-machine-count',
  CONTROL_PLANE_MACHINE_COUNT: '--control-plane-machine-count',
  NAMESPACE: '--namespace',
};

export interface TemplateVariable {
  name: string;
  /** The default written in the template; undefined when the variable is required. */
  default?: string;
}

/** The variables a template uses, each once (the first default written wins), sorted by name. */
export function templateVariables(template: string): TemplateVariable[] {
  const found = new Map<string, TemplateVariable>();
  for (const [, name, operator, fallback] of template.matchAll(VARIABLE)) {
    const seen = found.get(name);
    if (!seen) found.set(name, operator ? { name, default: fallback } : { name });
    else if (seen.default === undefined && operator) seen.default = fallback;
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Fills a template's variables from `values`. Every variable without a default (anywhere in the
 * template) must have a value; otherwise one error names all that are missing.
 */
export function fillTemplate(template: string, values: Readonly<Record<string, string | undefined>>): string {
  const missing = templateVariables(template).filter((v) => v.default === undefined && values[v.name] === undefined).map((v) => v.name);
  if (missing.length > 0) {
    const flags = missing.filter((name) => name in flagOfVariable).map((name) => flagOfVariable[name]);
    const hint = `${flags.length > 0 ? `pass ${flags.join(', ')}, or ` : ''}set ${missing.join(', ')} in the environment`;
    throw new CliError(`value for variable${missing.length > 1 ? 's' : ''} ${missing.join(', ')} is not set`, hint);
  }
  return template.replace(VARIABLE, (_match, name: string, operator: string | undefined, fallback: string | undefined) => {
    const value = values[name];
    if (operator === undefined) return value ?? '';
    // ":=" and ":-" also replace an empty value; "=" and "-" only an unset one.
    const useDefault = value === undefined || (operator.startsWith(':') && value === '');
    return useDefault ? fallback ?? '' : value;
  });
}

export interface TemplateSource {
  provider: string;
  flavor: string;
  file: string;
}

/** Every template shipped with Slipway: templates/<provider>/cluster-template[-<flavor>].yaml. */
export function shippedTemplates(): TemplateSource[] {
  const dir = TEMPLATES_DIR;
  if (!existsSync(dir)) return [];
  const sources: TemplateSource[] = [];
  for (const provider of readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
    for (const file of readdirSync(path.join(dir, provider))) {
      const match = /^cluster-template(?:-(.+))?\.yaml$/.exec(file);
      if (match) sources.push({ provider, flavor: match[1] ?? '', file: path.join(dir, provider, file) });
    }
  }
  return sources.sort((a, b) => a.provider.localeCompare(b.provider) || a.flavor.localeCompare(b.flavor));
}

/** The shipped template of a flavor ("" for a provider's default template), narrowed to one provider if given. */
export function findTemplate(flavor: string, provider?: string): TemplateSource {
  const all = shippedTemplates();
  const candidates = all.filter((t) => t.flavor === flavor && (provider === undefined || t.provider === provider));
  if (candidates.length === 1) return candidates[0];
  const describe = (t: TemplateSource) => (t.flavor ? `${t.flavor} (${t.provider})` : `default (${t.provider})`);
  if (candidates.length > 1) {
    throw new UsageError(`flavor "${flavor}" exists for several providers: ${candidates.map((t) => t.provider).join(', ')}`, 'choose one with --infrastructure');
  }
  const available = all.filter((t) => provider === undefined || t.provider === provider).map(describe);
  throw new UsageError(
    `no cluster template for flavor "${flavor || 'default'}"${provider ? ` of provider "${provider}"` : ''}`,
    available.length > 0 ? `available flavors: ${available.join(', ')}` : 'pass a template with --from-file',
  );
}

export interface ClusterTemplateInputs {
  clusterName: string;
  namespace?: string;
  kubernetesVersion?: string;
  workerMachineCount?: number;
  controlPlaneMachineCount?: number;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SEMVER = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

function machineCount(flag: number | undefined, env: string | undefined, fallback: number, minimum: number, name: string): string {
  const raw = flag !== undefined ? String(flag) : env ?? String(fallback);
  if (!/^\d+$/.test(raw) || Number(raw) < minimum) throw new UsageError(`invalid ${name} "${raw}"`, `use a whole number ≥ ${minimum}`);
  return raw;
}

/**
 * The variables a cluster template is filled with: the environment, overridden by the command's
 * inputs (validated as clusterctl does), with clusterctl's defaults for the machine counts.
 */
export function clusterTemplateValues(inputs: ClusterTemplateInputs, env: Readonly<Record<string, string | undefined>> = process.env): Record<string, string | undefined> {
  if (inputs.clusterName.length > 63 || !DNS_SUBDOMAIN.test(inputs.clusterName)) {
    throw new UsageError(`invalid cluster name "${inputs.clusterName}"`, 'use lower-case letters, digits, "-" and "." (at most 63 characters)');
  }
  const namespace = inputs.namespace ?? 'default';
  if (namespace.length > 63 || !DNS_LABEL.test(namespace)) throw new UsageError(`invalid namespace "${namespace}"`, 'use lower-case letters, digits and "-" (at most 63 characters)');
  const kubernetesVersion = inputs.kubernetesVersion ?? env.KUBERNETES_VERSION;
  if (kubernetesVersion !== undefined && !SEMVER.test(kubernetesVersion)) {
    throw new UsageError(`invalid Kubernetes version "${kubernetesVersion}"`, 'use a semantic version such as v1.33.0');
  }
  return {
    ...env,
    CLUSTER_NAME: inputs.clusterName,
    NAMESPACE: namespace,
    KUBERNETES_VERSION: kubernetesVersion,
    WORKER_MACHINE_COUNT: machineCount(inputs.workerMachineCount, env.WORKER_MACHINE_COUNT, 0, 0, 'worker machine count'),
    CONTROL_PLANE_MACHINE_COUNT: machineCount(inputs.controlPlaneMachineCount, env.CONTROL_PLANE_MACHINE_COUNT, 1, 1, 'control plane machine count'),
  };
}

/** Fails with the document's position when the filled template is not valid YAML (e.g. a value that breaks the syntax). */
function checkYaml(manifest: string, source: string): void {
  for (const [i, doc] of yaml().parseAllDocuments(manifest).entries()) {
    const error = doc.errors[0];
    if (error) throw new CliError(`the filled template ${source} is not valid YAML (document ${i + 1}): ${error.message.split('\n')[0]}`, 'check the values of the variables used there');
  }
}

function listVariables(template: string): string {
  const variables = templateVariables(template);
  const required = variables.filter((v) => v.default === undefined);
  const optional = variables.filter((v) => v.default !== undefined);
  const width = Math.max(0, ...optional.map((v) => v.name.length));
  const lines = ['Required Variables:', ...required.map((v) => `  - ${v.name}`)];
  if (optional.length > 0) lines.push('', 'Optional Variables:', ...optional.map((v) => `  - ${v.name.padEnd(width)}  (defaults to ${JSON.stringify(v.default)})`));
  return `${lines.join('\n')}\n`;
}

interface GenerateOptions extends GlobalOptions {
  what: string;
  name: string;
  flavor?: string;
  infrastructure?: string;
  'from-file'?: string;
  'kubernetes-version'?: string;
  'worker-machine-count'?: number;
  'control-plane-machine-count'?: number;
  'list-variables': boolean;
}

export async function generate(argv: GenerateOptions): Promise<void> {
  if (argv.flavor === undefined && argv['from-file'] === undefined) throw new UsageError('either --flavor or --from-file is required', 'e.g. --flavor in-memory');
  const file = argv['from-file'] ?? findTemplate(argv.flavor!, argv.infrastructure).file;
  let template: string;
  try {
    template = await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read the template "${file}": ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'check the path passed to --from-file');
  }
  if (argv['list-variables']) {
    process.stdout.write(listVariables(template));
    return;
  }
  const manifest = fillTemplate(template, clusterTemplateValues({
    clusterName: argv.name,
    namespace: argv.namespace,
    kubernetesVersion: argv['kubernetes-version'],
    workerMachineCount: argv['worker-machine-count'],
    controlPlaneMachineCount: argv['control-plane-machine-count'],
  }));
  checkYaml(manifest, path.basename(file));
  process.stdout.write(manifest.endsWith('\n') ? manifest : `${manifest}\n`);
}
