// IP addresses allocated through the API: an address is taken by creating its IPAddress object,
// whose name is derived from network and address, so the API server's AlreadyExists settles a race
// between two allocators (in this process or another). The claim names the machine's uid, so an
// allocation is found again after a crash and released when its machine is gone.
import type { KubeObject } from '../../../api/meta.ts';
import { ipAddressObjectName, ipAddressTypeMeta, type IPAddress } from '../../../api/slipway.dev/v1alpha1/ip-address.ts';
import type { ManagerContext } from '../../../client/controller.ts';
import { isAlreadyExists, isNotFound } from '../../../client/rest-client.ts';
import { ensureIndexer } from '../../../controllers/provider-contract/reference-index.ts';
import { allocateAddress } from '../../../machines/network/ipam.ts';
import { parseSubnet } from '../../../machines/network/subnet.ts';
import type { NetworkObject } from './network-controller.ts';
import { ipAddressesResource } from './resources.ts';

export type IPAddressObject = IPAddress & KubeObject;

/** Addresses this process is creating right now, so parallel allocations do not all try the same one first. */
const inFlight = new Set<string>();

const CLAIM_INDEX = 'slipway.dev/claim-uid';

export function addressesClaimedBy(ctx: ManagerContext, uid: string): IPAddressObject[] {
  const informer = ctx.informer<IPAddressObject>(ipAddressesResource);
  ensureIndexer(informer, CLAIM_INDEX, (a) => [a.spec.claimRef.uid]);
  return informer.byIndex(CLAIM_INDEX, uid);
}

/** The IPAddress named `name` if it is claimed by `uid`: from the cache, or from the server for one this process just made. */
async function claimedAddress(ctx: ManagerContext, name: string, uid: string): Promise<IPAddressObject | undefined> {
  const cached = ctx.informer<IPAddressObject>(ipAddressesResource).get(name);
  const found = cached ?? await ctx.client.get<IPAddressObject>(ipAddressesResource, name).catch((error: unknown) => {
    if (isNotFound(error)) return undefined;
    throw error;
  });
  return found?.spec.claimRef.uid === uid ? found : undefined;
}

/**
 * The claimant's address on `network`: the one it already holds (`known`, or any claimed by its uid),
 * else the lowest free one, created now. Throws when the subnet has no free address.
 */
export async function ensureAddress(ctx: ManagerContext, network: NetworkObject, claimant: KubeObject, known?: string): Promise<IPAddressObject> {
  const uid = claimant.metadata.uid!;
  const networkName = network.metadata.name!;
  if (known) {
    const held = await claimedAddress(ctx, ipAddressObjectName(networkName, known), uid);
    if (held) return held;
  }
  const existing = addressesClaimedBy(ctx, uid).find((a) => a.spec.network === networkName);
  if (existing) return existing;
  const subnet = parseSubnet(network.spec.subnet);
  const taken = new Set(ctx.informer<IPAddressObject>(ipAddressesResource).list().filter((a) => a.spec.network === networkName).map((a) => a.spec.address));
  for (const address of inFlight) if (address.startsWith(`${networkName}/`)) taken.add(address.slice(networkName.length + 1));
  for (;;) {
    const address = allocateAddress(subnet, taken);
    const reservation = `${networkName}/${address}`;
    inFlight.add(reservation);
    try {
      return await ctx.client.create<IPAddressObject>(ipAddressesResource, {
        ...ipAddressTypeMeta,
        metadata: { name: ipAddressObjectName(networkName, address) },
        spec: {
          network: networkName,
          address,
          prefixLength: subnet.prefixLength,
          gateway: subnet.gateway,
          claimRef: { apiVersion: claimant.apiVersion, kind: claimant.kind, namespace: claimant.metadata.namespace!, name: claimant.metadata.name!, uid },
        },
      });
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
      taken.add(address);
    } finally {
      inFlight.delete(reservation);
    }
  }
}

/** Deletes every address claimed by `uid` (those in the cache, and `known` should the cache not have it yet). */
export async function releaseAddresses(ctx: ManagerContext, uid: string, known: string[] = []): Promise<void> {
  const names = new Set([...addressesClaimedBy(ctx, uid).map((a) => a.metadata.name!), ...known]);
  for (const name of names) {
    const address = await claimedAddress(ctx, name, uid);
    if (!address) continue;
    await ctx.client.delete(ipAddressesResource, name, { preconditions: { uid: address.metadata.uid } }).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
  }
}
