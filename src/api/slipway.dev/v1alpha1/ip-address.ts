// IPAddress: one address of a Network, allocated to one machine. Creating the object is the
// allocation — its name is derived from network and address, so a second claim on the same address
// is a 409 from the API server, never a duplicate — and deleting it releases the address. The
// claimRef names the machine holding it (cluster-scoped objects cannot have namespaced owners), so
// an allocation whose claimant is gone is found and released after a crash.

import Type, { type Static } from 'typebox';
import { defineCRD, kubeObject } from '../../crd.ts';
import { ageColumn, apiVersion, group, ipv4Address, version } from './common.ts';

export const IPAddressClaimRef = Type.Object({
  apiVersion: Type.String({ minLength: 1, maxLength: 317, description: 'apiVersion of the claiming object.' }),
  kind: Type.String({ minLength: 1, maxLength: 63, description: 'kind of the claiming object, e.g. ContainerMachine.' }),
  namespace: Type.String({ minLength: 1, maxLength: 63, description: 'namespace of the claiming object.' }),
  name: Type.String({ minLength: 1, maxLength: 253, description: 'name of the claiming object.' }),
  uid: Type.String({ minLength: 1, maxLength: 64, description: 'uid of the claiming object: a re-created object with the same name does not inherit the address.' }),
}, { description: 'claimRef is the object the address is allocated to.' });
export type IPAddressClaimRef = Static<typeof IPAddressClaimRef>;

export const IPAddressSpec = Type.Object({
  network: Type.String({ minLength: 1, maxLength: 63, description: 'network is the name of the Network the address belongs to.' }),
  address: ipv4Address('address is the allocated IPv4 address.'),
  prefixLength: Type.Integer({ minimum: 8, maximum: 30, description: 'prefixLength of the Network’s subnet.' }),
  gateway: ipv4Address('gateway is the Network’s gateway, the machine’s default route.'),
  claimRef: IPAddressClaimRef,
}, { description: 'spec is the allocation; it never changes (release the address and allocate another instead).' });
export type IPAddressSpec = Static<typeof IPAddressSpec>;

export const IPAddressSchema = kubeObject('IPAddress is one address of a Network allocated to one machine.', IPAddressSpec, Type.Object({}, { description: 'status is unused: an allocation has no observed state.' }));
export type IPAddress = Static<typeof IPAddressSchema>;

export const ipAddressTypeMeta = { apiVersion, kind: 'IPAddress' } as const;

/** The object name of an address of a network: "<network>-<a>-<b>-<c>-<d>", so that one address can be created only once. */
export function ipAddressObjectName(network: string, address: string): string {
  return `${network}-${address.replaceAll('.', '-')}`;
}

export const ipAddressCRD = defineCRD({
  group,
  kind: 'IPAddress',
  plural: 'ipaddresses',
  singular: 'ipaddress',
  shortNames: ['ip'],
  categories: ['slipway'],
  scope: 'Cluster',
  versions: [{
    name: version,
    schema: IPAddressSchema,
    storage: true,
    subresources: { status: true },
    printerColumns: [
      { name: 'Network', type: 'string', jsonPath: '.spec.network', description: 'The Network' },
      { name: 'Address', type: 'string', jsonPath: '.spec.address', description: 'The allocated address' },
      { name: 'Kind', type: 'string', jsonPath: '.spec.claimRef.kind', description: 'Kind of the claiming object' },
      { name: 'Namespace', type: 'string', jsonPath: '.spec.claimRef.namespace', description: 'Namespace of the claiming object' },
      { name: 'Claimed by', type: 'string', jsonPath: '.spec.claimRef.name', description: 'Name of the claiming object' },
      ageColumn('IPAddress'),
    ],
  }],
});
