// The Network controller: keeps each Network's bridge up with the subnet's gateway address (and
// forwarding off: nothing is routed beyond the host), reports it Ready, and on deletion removes the
// bridge once no address of the Network is allocated any more.
import type { KubeObject } from '../../../api/meta.ts';
import { isDeepStrictEqual } from 'node:util';
import type { Condition } from '../../../api/cluster.x-k8s.io/v1beta2/common.ts';
import { ConditionType, Reason } from '../../../api/cluster.x-k8s.io/v1beta2/conditions.ts';
import type { IPAddress } from '../../../api/slipway.dev/v1alpha1/ip-address.ts';
import type { Network, NetworkStatus } from '../../../api/slipway.dev/v1alpha1/network.ts';
import { defineController, type ControllerDefinition, type ManagerContext, type ReconcileResult } from '../../../client/controller.ts';
import { setCondition, type ConditionState } from '../../../controllers/provider-contract/conditions.ts';
import { bridgeExists, ensureBridge, removeBridge } from '../../../machines/network/bridge.ts';
import { parseSubnet } from '../../../machines/network/subnet.ts';
import { hasFinalizer, releaseFinalizer, withFinalizer } from '../lifecycle.ts';
import { ipAddressesResource, networkFinalizer, networksResource } from './resources.ts';

export type NetworkObject = Network & KubeObject;
type IPAddressObject = IPAddress & KubeObject;

export const NetworkReason = { BridgeFailed: 'BridgeFailed', BridgeConflict: 'BridgeConflict', AddressesAllocated: 'AddressesAllocated' } as const;

const RETRY_MS = 30_000;

export function networkController(): ControllerDefinition {
  return defineController({
    name: 'network',
    for: networksResource,
    // Released addresses let a deleted Network go.
    watches: [{ resource: ipAddressesResource, mapFn: (obj) => [(obj as IPAddressObject).spec.network] }],
    reconcile: reconcileNetwork,
  });
}

async function writeStatus(ctx: ManagerContext, network: NetworkObject, status: NetworkStatus): Promise<void> {
  if (isDeepStrictEqual(status, network.status ?? {})) return;
  await ctx.client.patch(networksResource, network.metadata.name!, { status: { ...status, gateway: status.gateway ?? null } }, { type: 'merge', subresource: 'status' });
}

async function reconcileNetwork(key: string, ctx: ManagerContext): Promise<ReconcileResult | void> {
  let network = ctx.informer<NetworkObject>(networksResource).get(key);
  if (!network) return;
  const generation = network.metadata.generation;
  const status: NetworkStatus = { ...structuredClone(network.status ?? {}), ...(generation ? { observedGeneration: generation } : {}) };
  const set = (state: ConditionState) => { status.conditions = setCondition(status.conditions ?? [], state, generation) as Condition[]; };
  const fail = async (reason: string, message: string): Promise<ReconcileResult> => {
    const before = network!.status?.conditions?.find((c) => c.type === ConditionType.Ready);
    set({ type: ConditionType.Ready, status: 'False', reason, message });
    await writeStatus(ctx, network!, status);
    if (before?.message !== message) ctx.recorder.event(network!, 'Warning', reason, message);
    return { requeueAfter: RETRY_MS };
  };

  if (network.metadata.deletionTimestamp) {
    const addresses = ctx.informer<IPAddressObject>(ipAddressesResource).list().filter((a) => a.spec.network === key);
    // The watch on addresses brings the Network back once they are released.
    if (addresses.length > 0) {
      await fail(NetworkReason.AddressesAllocated, `cannot remove the bridge: ${addresses.length} address(es) are still allocated (${addresses.slice(0, 5).map((a) => `${a.spec.claimRef.namespace}/${a.spec.claimRef.name}`).join(', ')}); delete those machines first`);
      return;
    }
    await removeBridge(network.spec.bridge);
    await releaseFinalizer(ctx, networksResource, network, networkFinalizer, `Bridge ${network.spec.bridge} removed`);
    return;
  }
  if (!hasFinalizer(network, networkFinalizer)) {
    network = await ctx.client.update(networksResource, { ...network, metadata: withFinalizer(network, networkFinalizer) });
  }
  const sharing = ctx.informer<NetworkObject>(networksResource).list().find((other) => other.metadata.name !== key && other.spec.bridge === network!.spec.bridge && !other.metadata.deletionTimestamp);
  if (sharing) return fail(NetworkReason.BridgeConflict, `bridge ${network.spec.bridge} belongs to Network ${sharing.metadata.name}; give this Network its own bridge`);
  const ready = network.status?.conditions?.find((c) => c.type === ConditionType.Ready);
  // Reconciles come with every allocation in the Network: a bridge already made needs one look, not a rebuild.
  if (ready?.status === 'True' && ready.observedGeneration === generation && (await bridgeExists(network.spec.bridge))) return;
  try {
    const bridge = await ensureBridge({ name: network.spec.bridge, subnet: parseSubnet(network.spec.subnet) });
    status.gateway = bridge.gateway;
  } catch (error) {
    return fail(NetworkReason.BridgeFailed, (error as Error).message);
  }
  set({ type: ConditionType.Ready, status: 'True', reason: Reason.Ready, message: `bridge ${network.spec.bridge} holds ${status.gateway}/${network.spec.subnet.split('/')[1]}` });
  await writeStatus(ctx, network, status);
  if (ready?.status !== 'True') ctx.recorder.event(network, 'Normal', 'BridgeReady', `Bridge ${network.spec.bridge} is up with gateway ${status.gateway}`);
}
