// The ResourceRef of MachineHealthCheck (the other core kinds' are in ../cluster/resources.ts).
import type { ResourceRef } from '../../client/rest-client.ts';
import { group, version } from '../../api/cluster.x-k8s.io/v1beta2/common.ts';

export const machineHealthChecksResource: ResourceRef = { group, version, plural: 'machinehealthchecks', namespaced: true, kind: 'MachineHealthCheck' };
