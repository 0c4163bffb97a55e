// Waiting for what the controllers do after a command changed an object, showing their progress as
// they report it in status: an Image's pull percentage, then a machine's Ready condition. A state
// the controllers cannot get out of by themselves (a port taken, an image that does not exist…)
// ends the wait with that condition's message as the error, rather than waiting for a timeout.
import { ConditionType } from '../api/cluster.x-k8s.io/v1beta2/conditions.ts';
import type { Condition } from '../api/meta.ts';
import { normalizeReference } from '../machines/images/reference.ts';
import { formatByteSize } from './byte-size.ts';
import type { Cluster } from './connection.ts';
import { CliError } from './errors.ts';
import { containerMachines, images, MachineReason, START_REQUESTED_ANNOTATION } from './machine-resources.ts';
import { findImageByReference, imageReferenceOf, type ImageObject, type MachineObject } from './object-lookup.ts';
import type { Progress } from './progress.ts';

/** What a machine command waits for: running (run, start), made but not started (create), or stopped (stop, kill). */
export type MachineGoal = 'running' | 'created' | 'stopped';

/** Ready reasons that need the user to change something: the wait ends with them. */
const FAILURE_HINTS: Record<string, string> = {
  [MachineReason.InvalidSpec]: 'fix the machine\'s settings and create it again',
  [MachineReason.ImageNotFound]: 'check the image reference; `slipway images` lists the images here',
  [MachineReason.PortConflict]: 'choose a free host port with --ports',
  [MachineReason.CreateFailed]: '`slipway describe containermachine NAME` shows the events',
  [MachineReason.AddressesExhausted]: 'remove machines, or give the Network a larger subnet',
  [MachineReason.Died]: '`slipway logs NAME` shows what its init printed',
  [MachineReason.BootstrapFailed]: '`slipway logs NAME` shows what its init printed',
};

export const readyCondition = (object: { status?: { conditions?: Condition[] } }) => object.status?.conditions?.find((c) => c.type === ConditionType.Ready);

function reached(machine: MachineObject, goal: MachineGoal): boolean {
  const state = machine.status?.state;
  if (goal === 'running') return state === 'Running' && readyCondition(machine)?.status === 'True';
  if (goal === 'created') return state === 'Stopped' && machine.status?.machineID !== undefined;
  return state === 'Stopped';
}

const timedOut = (what: string, timeout: string, last: string, hint: string) =>
  new CliError(`timed out after ${timeout} waiting for ${what}${last ? ` (last: ${last})` : ''}`, hint);

function imageFailure(image: ImageObject): CliError {
  return new CliError(`image ${imageReferenceOf(image) ?? image.metadata.name}: ${readyCondition(image)?.message ?? 'failed'}`, 'check the reference, and that its registry or file is reachable from the daemon');
}

/** Follows the machine until it reaches `goal`; its progress goes to `progress`. Throws with the condition's message when it cannot get there. */
export async function waitForMachine(cluster: Cluster, name: string, goal: MachineGoal, progress: Progress, options: { signal: AbortSignal; timeout: string }): Promise<MachineObject> {
  let last = '';
  const outcome = await cluster.observe<MachineObject, MachineObject | CliError>(containerMachines, cluster.namespace, name, async (machine) => {
    if (!machine || machine.metadata.deletionTimestamp) return new CliError(`machine ${name} was deleted while waiting for it`, 'another client deleted it; create it again');
    if (reached(machine, goal)) return machine;
    const ready = readyCondition(machine);
    // A condition from before the command's change (an older generation, or the death a start request answers) is no verdict.
    const stale = (ready?.observedGeneration ?? 0) < (machine.metadata.generation ?? 0)
      || (ready?.reason === MachineReason.Died && machine.metadata.annotations?.[START_REQUESTED_ANNOTATION] !== undefined);
    const hint = ready && !stale ? FAILURE_HINTS[ready.reason] : undefined;
    const failed = (machine.status?.state === 'Failed' && !stale) || (hint !== undefined && goal !== 'stopped');
    if (failed) return new CliError(`machine ${name}: ${ready?.message || ready?.reason || 'failed'}`, (hint ?? FAILURE_HINTS[MachineReason.CreateFailed]).replace('NAME', name));
    const now = ready ? `${ready.reason}${ready.message ? `: ${ready.message}` : ''}` : '';
    if (ready?.reason === MachineReason.WaitingForImage && !stale) {
      // The machine's controller brings the image in and reports the pull's percentage in this message.
      const image = await findImageByReference(cluster, normalizeReference(machine.spec.image));
      if (image?.status?.phase === 'Failed') return imageFailure(image);
      progress.update(`machine ${name}: ${now}`, now.replace(/([0-9]+)%/, (_, percent: string) => `${Math.floor(Number(percent) / 25)}/4`));
    } else if (now && now !== last) {
      progress.line(`machine ${name}: ${now}`);
    }
    last = now;
    return undefined;
  }, options.signal);
  if (outcome instanceof CliError) throw outcome;
  if (!outcome) throw timedOut(`machine ${name} to be ${goal}`, options.timeout, last, `raise --timeout, or see \`slipway describe containermachine ${name}\``);
  return outcome;
}

/** Follows an Image until it is Ready (showing the download's progress); throws with its condition's message when it failed. */
export async function waitForImage(cluster: Cluster, name: string, progress: Progress, options: { signal: AbortSignal; timeout: string }): Promise<ImageObject> {
  let last = '';
  const outcome = await cluster.observe<ImageObject, ImageObject | CliError>(images, undefined, name, (image) => {
    if (!image || image.metadata.deletionTimestamp) return new CliError(`image ${name} was deleted while waiting for it`, 'another client deleted it; pull it again');
    const { phase, progress: bytes } = image.status ?? {};
    const what = imageReferenceOf(image) ?? name;
    if (phase === 'Ready') {
      progress.done();
      return image;
    }
    if (phase === 'Failed') {
      progress.done();
      return imageFailure(image);
    }
    const step = phase ?? 'Pending';
    if (bytes && bytes.totalBytes > 0) {
      const percent = Math.floor((100 * bytes.completedBytes) / bytes.totalBytes);
      progress.update(`${step} ${what}: ${percent}% of ${formatByteSize(bytes.totalBytes)}`, `${step} ${Math.floor(percent / 25)}`);
    } else {
      progress.update(`${step} ${what}`);
    }
    last = step;
    return undefined;
  }, options.signal);
  if (outcome instanceof CliError) throw outcome;
  if (!outcome) {
    progress.done();
    throw timedOut(`image ${name}`, options.timeout, last, 'raise --timeout, or see `slipway describe image ' + name + '`');
  }
  return outcome;
}
