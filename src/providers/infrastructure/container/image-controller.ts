// The Image controller: brings each Image into the daemon's image store — pulled from its registry,
// imported from an archive on this host, or built with debootstrap — reporting the phase and the
// download progress (at most every 250 ms) in status, and retrying failures with backoff up to five
// minutes. Deleting an Image removes it from the store, unless a ContainerMachine still uses it and
// the Image is not marked slipway.dev/force-delete: then the finalizer stays and status says why.
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../../api/meta.ts';
import type { Condition } from '../../../api/cluster.x-k8s.io/v1beta2/common.ts';
import { ConditionType, Reason } from '../../../api/cluster.x-k8s.io/v1beta2/conditions.ts';
import type { ContainerMachine } from '../../../api/infrastructure.cluster.x-k8s.io/v1alpha1/container-machine.ts';
import { FORCE_DELETE_ANNOTATION, IMAGE_FINALIZER, type Image, type ImagePhase, type ImageStatus } from '../../../api/slipway.dev/v1alpha1/image.ts';
import { defineController, type ControllerDefinition, type ManagerContext, type ReconcileResult } from '../../../client/controller.ts';
import { secretsResource } from '../../../client/resources.ts';
import { setCondition, type ConditionState } from '../../../controllers/provider-contract/conditions.ts';
import { buildImage, ImageError, importImage, normalizeReference, pullImage, type ImageRecord, type LayerProgress, type RegistryCredentials } from '../../../machines/images/index.ts';
import { hasFinalizer, releaseFinalizer, withFinalizer } from '../lifecycle.ts';
import { imageNameOf } from './image-references.ts';
import type { MachineHost } from './machine-host.ts';
import { containerMachinesResource, imagesResource } from './resources.ts';

export type ImageObject = Image & KubeObject;
type ContainerMachineObject = ContainerMachine & KubeObject;

export const ImageReason = {
  Pulling: 'Pulling',
  Importing: 'Importing',
  Building: 'Building',
  PullFailed: 'PullFailed',
  ImportFailed: 'ImportFailed',
  BuildFailed: 'BuildFailed',
  ImageNotFound: 'ImageNotFound',
  InUse: 'InUse',
} as const;

const PROGRESS_INTERVAL_MS = 250;
const FIRST_RETRY_MS = 10_000;
const MAX_RETRY_MS = 300_000;

export function imageController(host: MachineHost): ControllerDefinition {
  const failures = new Map<string, number>();
  return defineController({
    name: 'image',
    for: imagesResource,
    // A deleted machine may let an Image go that waits for it.
    watches: [{ resource: containerMachinesResource, mapFn: (obj) => imageNameOf((obj as ContainerMachineObject).spec.image) }],
    concurrency: 3,
    reconcile: (key, ctx) => reconcileImage(key, ctx, host, failures),
  });
}

/** The reference an Image is stored under, when the spec says (an archive may name it only once imported). */
function declaredReference(image: ImageObject): string | undefined {
  const reference = image.spec.reference ?? image.spec.source.registry?.reference;
  return reference === undefined ? undefined : normalizeReference(reference);
}

function machinesUsing(ctx: ManagerContext, reference: string): ContainerMachineObject[] {
  return ctx.informer<ContainerMachineObject>(containerMachinesResource).list().filter((m) => {
    if (m.status?.image?.reference === reference) return true;
    try {
      return normalizeReference(m.spec.image) === reference;
    } catch {
      return false;
    }
  });
}

async function registryCredentials(ctx: ManagerContext, image: ImageObject): Promise<RegistryCredentials | undefined> {
  const ref = image.spec.source.registry?.credentialsSecretRef;
  if (!ref) return undefined;
  const secret = await ctx.client.get<KubeObject & { type?: string; data?: Record<string, string> }>(secretsResource, ref.name, ref.namespace);
  const read = (field: string) => {
    const value = secret.data?.[field];
    if (value === undefined) throw new ImageError('Unauthorized', `Secret ${ref.namespace}/${ref.name} has no ${field}: make it of type kubernetes.io/basic-auth with username and password`);
    return Buffer.from(value, 'base64').toString();
  };
  return { username: read('username'), password: read('password') };
}

async function patchStatus(ctx: ManagerContext, image: ImageObject, status: ImageStatus): Promise<void> {
  const removed = Object.keys(image.status ?? {}).filter((field) => !(field in status));
  await ctx.client.patch(imagesResource, image.metadata.name!, { status: { ...status, ...Object.fromEntries(removed.map((f) => [f, null])) } }, { type: 'merge', subresource: 'status' });
}

async function reconcileImage(key: string, ctx: ManagerContext, host: MachineHost, failures: Map<string, number>): Promise<ReconcileResult | void> {
  let image = ctx.informer<ImageObject>(imagesResource).get(key);
  if (!image) return;
  const generation = image.metadata.generation;
  const status: ImageStatus = { ...structuredClone(image.status ?? {}), ...(generation ? { observedGeneration: generation } : {}) };
  const set = (state: ConditionState) => { status.conditions = setCondition(status.conditions ?? [], state, generation) as Condition[]; };
  const reference = status.reference ?? declaredReference(image);

  if (image.metadata.deletionTimestamp) {
    const force = image.metadata.annotations?.[FORCE_DELETE_ANNOTATION] === 'true';
    const users = reference ? machinesUsing(ctx, reference) : [];
    if (users.length > 0 && !force) {
      const message = `image ${reference} is used by ${users.length} ContainerMachine(s) (${users.slice(0, 5).map((m) => `${m.metadata.namespace}/${m.metadata.name}`).join(', ')}): delete them first, or annotate the Image ${FORCE_DELETE_ANNOTATION}=true`;
      const before = image.status?.conditions?.find((c) => c.type === ConditionType.Ready)?.message;
      set({ type: ConditionType.Ready, status: 'False', reason: ImageReason.InUse, message });
      if (!isDeepStrictEqual(status, image.status ?? {})) await patchStatus(ctx, image, status);
      if (before !== message) ctx.recorder.event(image, 'Warning', ImageReason.InUse, message);
      return;
    }
    if (reference && (await host.images.find(reference))) await host.images.remove(reference, { force: true });
    failures.delete(image.metadata.uid!);
    await releaseFinalizer(ctx, imagesResource, image, IMAGE_FINALIZER, `Image ${reference ?? key} removed from the image store`);
    return;
  }
  if (!hasFinalizer(image, IMAGE_FINALIZER)) image = await ctx.client.update(imagesResource, { ...image, metadata: withFinalizer(image, IMAGE_FINALIZER) });

  const stored = reference ? await host.images.find(reference) : undefined;
  if (stored && status.phase === 'Ready' && status.digest === stored.digest) return;
  if (stored) return ready(ctx, image, status, set, stored, false);

  const { registry, archive, debian } = image.spec.source;
  const phase: ImagePhase = registry ? 'Pulling' : archive ? 'Importing' : 'Building';
  status.phase = phase;
  delete status.progress;
  set({ type: ConditionType.Ready, status: 'False', reason: phase, message: `${phase.toLowerCase()} ${reference ?? archive?.path ?? ''}`.trim() });
  await patchStatus(ctx, image, status);
  const current = image;
  try {
    let record: ImageRecord;
    if (registry) {
      const layers = new Map<string, LayerProgress>();
      let lastWrite = 0;
      let writing: Promise<void> = Promise.resolve();
      const onProgress = (progress: LayerProgress) => {
        layers.set(progress.digest, progress);
        const now = Date.now();
        if (now - lastWrite < PROGRESS_INTERVAL_MS) return;
        lastWrite = now;
        const totals = [...layers.values()].reduce((t, l) => ({ completedBytes: t.completedBytes + l.done, totalBytes: t.totalBytes + l.total }), { completedBytes: 0, totalBytes: 0 });
        writing = writing.then(() => ctx.client.patch(imagesResource, key, { status: { progress: totals } }, { type: 'merge', subresource: 'status' }).then(() => undefined, () => undefined));
      };
      const credentials = await registryCredentials(ctx, image);
      record = await pullImage(host.images, registry.reference, { plainHttp: registry.plainHttp === true, ...(credentials ? { credentials } : {}), signal: ctx.signal, onProgress });
      await writing;
    } else if (archive) {
      const records = await importImage(host.images, archive.path, image.spec.reference ? { reference: image.spec.reference } : {});
      if (records.length !== 1) {
        throw new ImageError('Invalid', `archive ${archive.path} holds ${records.length} images (${records.map((r) => r.reference).join(', ')}): set spec.reference to pick one`);
      }
      record = records[0];
    } else {
      record = await buildImage(host.images, image.spec.reference!, { suite: debian!.suite, ...(debian!.packages ? { packages: debian!.packages } : {}), ...(debian!.mirror ? { mirror: debian!.mirror } : {}) });
    }
    failures.delete(current.metadata.uid!);
    return ready(ctx, { ...current, status }, status, set, record, true);
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    const attempts = (failures.get(current.metadata.uid!) ?? 0) + 1;
    failures.set(current.metadata.uid!, attempts);
    const reason = error instanceof ImageError && error.code === 'NotFound' ? ImageReason.ImageNotFound : registry ? ImageReason.PullFailed : archive ? ImageReason.ImportFailed : ImageReason.BuildFailed;
    const message = (error as Error).message;
    status.phase = 'Failed';
    delete status.progress;
    set({ type: ConditionType.Ready, status: 'False', reason, message });
    await patchStatus(ctx, { ...current, status }, status);
    ctx.recorder.event(current, 'Warning', reason, message);
    return { requeueAfter: Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (attempts - 1)) };
  }
}

async function ready(ctx: ManagerContext, image: ImageObject, status: ImageStatus, set: (state: ConditionState) => void, record: ImageRecord, fetched: boolean): Promise<void> {
  status.phase = 'Ready';
  status.reference = record.reference;
  status.digest = record.digest;
  status.size = record.size;
  status.layers = record.layers.length;
  if (record.created) status.createdAt = record.created;
  delete status.progress;
  set({ type: ConditionType.Ready, status: 'True', reason: Reason.Ready, message: `${record.reference} (${record.digest.slice(0, 19)}, ${record.layers.length} layer(s)) is in the image store` });
  if (!isDeepStrictEqual(status, image.status ?? {})) await patchStatus(ctx, image, status);
  if (fetched) ctx.recorder.event(image, 'Normal', 'Stored', `Stored ${record.reference} (${record.size} bytes)`);
}
