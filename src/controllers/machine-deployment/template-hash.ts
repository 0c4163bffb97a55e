// The machine template as far as rollouts are concerned.
//
// Some MachineDeployment template fields are propagated in place to existing MachineSets and Machines and never
// cause a rollout (Cluster API v1beta2, MachineTemplateDeepCopyRolloutFields):
//   metadata.labels, metadata.annotations,
//   spec.minReadySeconds, spec.readinessGates, spec.taints,
//   spec.deletion.nodeDrainTimeoutSeconds, spec.deletion.nodeVolumeDetachTimeoutSeconds,
//   spec.deletion.nodeDeletionTimeoutSeconds.
// spec.clusterName (never changes) and spec.providerID (never set on templates) are ignored as well.
// Everything else is rollout-relevant: spec.version, spec.bootstrap, spec.infrastructureRef, spec.failureDomain,
// and any other spec field (Cluster API compares only the first four because they are the only other fields it
// has; Slipway treats unknown spec fields as rollout-relevant, the safe choice).
//
// The hash identifies a template for the machine-template-hash label value ("<hash>-<random suffix>"), as in
// Cluster API; the values differ from Cluster API's (which hashes a Go struct dump) and only need to be stable.
// Whether a MachineSet is up to date is decided by comparing templates, not hashes.

import { fnv1a32 } from '../machine-set/fnv1a.ts';

export const MACHINE_TEMPLATE_HASH_LABEL = 'machine-template-hash';

export interface ObjectReferenceView {
  apiGroup?: string;
  kind: string;
  name: string;
}

export interface MachineTemplateView {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    clusterName?: string;
    version?: string;
    bootstrap?: { configRef?: ObjectReferenceView; dataSecretName?: string };
    infrastructureRef?: ObjectReferenceView;
    failureDomain?: string;
    providerID?: string;
    minReadySeconds?: number;
    readinessGates?: unknown[];
    taints?: unknown[];
    deletion?: {
      nodeDrainTimeoutSeconds?: number;
      nodeVolumeDetachTimeoutSeconds?: number;
      nodeDeletionTimeoutSeconds?: number;
      [field: string]: unknown;
    };
    [field: string]: unknown;
  };
}

const IGNORED_SPEC_FIELDS = new Set(['clusterName', 'providerID', 'minReadySeconds', 'readinessGates', 'taints']);
const IN_PLACE_DELETION_FIELDS = new Set(['nodeDrainTimeoutSeconds', 'nodeVolumeDetachTimeoutSeconds', 'nodeDeletionTimeoutSeconds']);

/** JSON value with sorted keys; undefined, null, empty objects and empty arrays dropped (omitempty semantics). */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(canonical).filter((item) => item !== undefined);
    return items.length === 0 ? undefined : items;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const child = canonical((value as Record<string, unknown>)[key]);
      if (child !== undefined) out[key] = child;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return value === null ? undefined : value;
}

/** The rollout-relevant part of a template's spec, canonicalised. */
export function rolloutSpec(template: MachineTemplateView): Record<string, unknown> {
  const spec: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(template.spec)) {
    if (IGNORED_SPEC_FIELDS.has(key)) continue;
    if (key === 'deletion' && value && typeof value === 'object') {
      spec.deletion = Object.fromEntries(Object.entries(value).filter(([field]) => !IN_PLACE_DELETION_FIELDS.has(field)));
      continue;
    }
    spec[key] = value;
  }
  return (canonical(spec) as Record<string, unknown> | undefined) ?? {};
}

/** Decimal 32-bit hash of the rollout-relevant template (the first part of the machine-template-hash label). */
export function machineTemplateHash(template: MachineTemplateView): string {
  return String(fnv1a32(JSON.stringify(rolloutSpec(template))));
}

/** machine-template-hash label value for a new MachineSet: "<hash>-<suffix>", suffix = the MachineSet name suffix. */
export function machineTemplateHashLabelValue(template: MachineTemplateView, suffix: string): string {
  return `${machineTemplateHash(template)}-${suffix}`;
}

export interface UpToDateResult {
  upToDate: boolean;
  /** Why not, worded like Cluster API's Machine UpToDate condition messages. */
  reasons: string[];
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function withoutTemplateSuffix(kind: string): string {
  return kind.endsWith('Template') ? kind.slice(0, -'Template'.length) : kind;
}

/** Whether `current` (a MachineSet's template) already matches `desired` (the MachineDeployment's), ignoring in-place fields. */
export function machineTemplateUpToDate(current: MachineTemplateView, desired: MachineTemplateView): UpToDateResult {
  const have = rolloutSpec(current);
  const want = rolloutSpec(desired);
  const reasons: string[] = [];
  if (have.version !== want.version) reasons.push(`Version ${have.version ?? ''}, ${want.version ?? ''} required`);
  if (!sameJson(have.bootstrap, want.bootstrap)) {
    const configRef = current.spec.bootstrap?.configRef;
    reasons.push(configRef
      ? `${withoutTemplateSuffix(configRef.kind)} is not up-to-date`
      : `spec.bootstrap.dataSecretName ${current.spec.bootstrap?.dataSecretName ?? 'nil'}, ${desired.spec.bootstrap?.dataSecretName ?? 'nil'} required`);
  }
  if (!sameJson(have.infrastructureRef, want.infrastructureRef)) {
    reasons.push(`${withoutTemplateSuffix(current.spec.infrastructureRef?.kind ?? 'InfrastructureMachine')} is not up-to-date`);
  }
  if (have.failureDomain !== want.failureDomain) reasons.push(`Failure domain ${have.failureDomain ?? ''}, ${want.failureDomain ?? ''} required`);
  const known = new Set(['version', 'bootstrap', 'infrastructureRef', 'failureDomain']);
  const otherKeys = new Set([...Object.keys(have), ...Object.keys(want)].filter((key) => !known.has(key)));
  for (const key of [...otherKeys].sort()) {
    if (!sameJson(have[key], want[key])) reasons.push(`spec.${key} is not up-to-date`);
  }
  return { upToDate: reasons.length === 0, reasons };
}
