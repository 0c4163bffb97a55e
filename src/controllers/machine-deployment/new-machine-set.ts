// Which of a MachineDeployment's MachineSets is the new (current) one and which are old.
//
// A MachineSet is a candidate when its template matches the MachineDeployment's, ignoring in-place fields
// (see template-hash.ts). Among candidates the one with the most replicas wins (least churn); the others are
// old. spec.rollout.after forces a rollout: once now ≥ rolloutAfter, only a candidate created at or after
// rolloutAfter can be the new MachineSet; if there is none, a new MachineSet must be created.

import { compareByDecreasingReplicas, creationMillis } from './deployment-view.ts';
import type { MachineDeploymentView, MachineSetView } from './deployment-view.ts';
import { machineTemplateUpToDate } from './template-hash.ts';

/** A rollout is due for a MachineSet when rolloutAfter has passed (now ≥ it) and the MachineSet is older. */
export function isRolloutDue(rolloutAfter: string | undefined, ms: Pick<MachineSetView, 'creationTimestamp'>, now: Date): boolean {
  if (!rolloutAfter) return false;
  const after = Date.parse(rolloutAfter);
  if (Number.isNaN(after)) throw new Error(`invalid spec.rollout.after "${rolloutAfter}"`);
  return now.getTime() >= after && creationMillis(ms) < after;
}

export interface NewAndOldMachineSets<M extends MachineSetView> {
  newMS: M | undefined;
  oldMSs: M[];
  /** Why a new MachineSet has to be created (set when newMS is undefined). */
  createReason?: string;
}

function rfc3339Seconds(millis: number): string {
  return new Date(millis).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function findNewAndOldMachineSets<M extends MachineSetView>(md: MachineDeploymentView, machineSets: readonly M[], now: Date): NewAndOldMachineSets<M> {
  if (machineSets.length === 0) return { newMS: undefined, oldMSs: [], createReason: 'no MachineSets exist for the MachineDeployment' };

  const candidates: M[] = [];
  const oldMSs: M[] = [];
  const diffs: string[] = [];
  for (const ms of [...machineSets].sort(compareByDecreasingReplicas)) {
    const result = machineTemplateUpToDate(ms.template, md.template);
    if (result.upToDate) {
      candidates.push(ms);
    } else {
      oldMSs.push(ms);
      diffs.push(`MachineSet ${ms.name} needs rollout: ${result.reasons.join(', ')}`);
    }
  }
  if (candidates.length === 0) {
    return { newMS: undefined, oldMSs, createReason: `couldn't find MachineSet matching MachineDeployment spec template: ${diffs.join('; ')}` };
  }

  const newMS = candidates.find((ms) => !isRolloutDue(md.rolloutAfter, ms, now));
  oldMSs.push(...candidates.filter((ms) => ms !== newMS));
  if (!newMS) {
    return {
      newMS: undefined,
      oldMSs,
      createReason: `spec.rollout.after on MachineDeployment set to ${rfc3339Seconds(Date.parse(md.rolloutAfter!))}, no MachineSet has been created afterwards`,
    };
  }
  return { newMS, oldMSs };
}

const MAX_NAME_LENGTH = 63;
const SUFFIX_LENGTH = 5;

/** "<md name>-<suffix>", with the prefix cut so the name stays a valid 63-character label value. */
export function newMachineSetName(mdName: string, suffix: string): string {
  if (!/^[a-z0-9]{5}$/.test(suffix)) throw new Error(`MachineSet name suffix must be 5 lowercase alphanumerics, got "${suffix}"`);
  return `${`${mdName}-`.slice(0, MAX_NAME_LENGTH - SUFFIX_LENGTH)}${suffix}`;
}
