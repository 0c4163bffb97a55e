// The status apiextensions-apiserver's controllers give a CustomResourceDefinition, computed at
// write time instead: once a CRD is stored its kind is served, so it is Established at once and
// `kubectl wait --for=condition=Established` returns immediately.
import type { Condition, KubeObject } from '../api/meta.ts';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});

function condition(type: string, reason: string, message: string, previous: Condition[], now: string): Condition {
  const before = previous.find((c) => c.type === type);
  const lastTransitionTime = before?.status === 'True' ? before.lastTransitionTime : now;
  return { type, status: 'True', lastTransitionTime, reason, message };
}

/** The CRD's status: accepted names, Established/NamesAccepted conditions and every version ever stored. */
export function crdStatus(crd: KubeObject, previous: KubeObject | undefined, now: string): Json {
  const spec = obj(crd.spec);
  const oldStatus = obj(previous?.status);
  const oldConditions = Array.isArray(oldStatus.conditions) ? (oldStatus.conditions as Condition[]) : [];
  const versions = Array.isArray(spec.versions) ? spec.versions.map(obj) : [];
  const storage = versions.find((v) => v.storage === true)?.name;
  const stored = new Set<string>(Array.isArray(oldStatus.storedVersions) ? (oldStatus.storedVersions as string[]) : []);
  if (typeof storage === 'string') stored.add(storage);
  return {
    conditions: [
      condition('NamesAccepted', 'NoConflicts', 'no conflicts found', oldConditions, now),
      condition('Established', 'InitialNamesAccepted', 'the initial names have been accepted', oldConditions, now),
    ],
    acceptedNames: structuredClone(obj(spec.names)),
    storedVersions: [...stored],
  };
}
