// Network: a machine network on this host — a Linux bridge holding the gateway address of a private
// IPv4 subnet. Machines attach to it with a veth pair in their own network namespace and get their
// addresses from the subnet through IPAddress objects. Nothing is routed or NATed beyond the host.

import Type, { type Static } from 'typebox';
import { defineCRD, kubeObject } from '../../crd.ts';
import { conditionStatusPath } from '../../cluster.x-k8s.io/v1beta2/common.ts';
import { ageColumn, apiVersion, group, interfaceName, ipv4Address, observedGeneration, statusConditions, version } from './common.ts';

export const NetworkSpec = Type.Object({
  bridge: interfaceName('bridge is the host bridge machines attach to (a Linux interface name of at most 15 characters); created when missing.'),
  subnet: Type.String({
    maxLength: 18,
    description: 'subnet is the IPv4 network of the machines, in CIDR notation (e.g. 10.99.0.0/16), inside a private range (10/8, 172.16/12, 192.168/16), /8 to /30. The bridge holds its first address (the gateway).',
  }),
}, { description: 'spec is the desired state of Network. It cannot change once machines may use it: make a new Network instead.' });
export type NetworkSpec = Static<typeof NetworkSpec>;

export const NetworkStatus = Type.Object({
  gateway: Type.Optional(ipv4Address('gateway is the bridge’s own address, the machines’ default route.')),
  conditions: statusConditions('Network'),
  observedGeneration: observedGeneration(),
}, { description: 'status is the observed state of Network.' });
export type NetworkStatus = Static<typeof NetworkStatus>;

export const NetworkSchema = kubeObject('Network is a bridge and private subnet machines attach to.', NetworkSpec, NetworkStatus);
export type Network = Static<typeof NetworkSchema>;

export const networkTypeMeta = { apiVersion, kind: 'Network' } as const;

/** The Network the daemon makes at start (from `slipway up --machine-subnet/--machine-bridge`) unless it exists. */
export const DEFAULT_NETWORK_NAME = 'default';

export const networkCRD = defineCRD({
  group,
  kind: 'Network',
  plural: 'networks',
  shortNames: ['net'],
  categories: ['slipway'],
  scope: 'Cluster',
  versions: [{
    name: version,
    schema: NetworkSchema,
    storage: true,
    subresources: { status: true },
    printerColumns: [
      { name: 'Bridge', type: 'string', jsonPath: '.spec.bridge', description: 'The host bridge' },
      { name: 'Subnet', type: 'string', jsonPath: '.spec.subnet', description: 'The machines’ subnet' },
      { name: 'Gateway', type: 'string', jsonPath: '.status.gateway', description: 'The bridge’s address' },
      { name: 'Ready', type: 'string', jsonPath: conditionStatusPath('Ready'), description: 'The bridge is up with its address' },
      ageColumn('Network'),
    ],
  }],
});
