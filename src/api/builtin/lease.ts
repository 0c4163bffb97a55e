// coordination.k8s.io/v1 Lease: the lock object of leader election.

import type { ResourceType } from '../resource.ts';
import { objectSchema } from './object-meta.ts';

const microTime = (description: string) => ({ type: 'string' as const, format: 'date-time', description });

export const leaseType: ResourceType = {
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  listKind: 'LeaseList',
  plural: 'leases',
  singular: 'lease',
  shortNames: [],
  categories: [],
  namespaced: true,
  schema: objectSchema('Lease defines a lease concept.', {
    spec: {
      type: 'object',
      description: 'spec contains the specification of the Lease.',
      properties: {
        holderIdentity: { type: 'string', description: 'holderIdentity contains the identity of the holder of a current lease.' },
        leaseDurationSeconds: { type: 'integer', format: 'int32', description: 'leaseDurationSeconds is a duration that candidates for a lease need to wait to force acquire it. This is measured against the time of last observed renewTime.' },
        acquireTime: microTime('acquireTime is a time when the current lease was acquired.'),
        renewTime: microTime('renewTime is a time when the current holder of a lease has last updated the lease.'),
        leaseTransitions: { type: 'integer', format: 'int32', description: 'leaseTransitions is the number of transitions of a lease between holders.' },
        strategy: { type: 'string', description: 'Strategy indicates the strategy for picking the leader for coordinated leader election.' },
        preferredHolder: { type: 'string', description: 'PreferredHolder signals to a lease holder that the lease has a more optimal holder and should be given up.' },
      },
    },
  }),
  subresources: {},
  printerColumns: [
    { name: 'Holder', type: 'string', jsonPath: '.spec.holderIdentity' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  builtin: true,
  storageVersion: 'v1',
};
