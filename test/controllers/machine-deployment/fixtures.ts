// Builders for MachineDeployment/MachineSet test inputs.

import type { MachineDeploymentView, MachineSetView } from '../../../src/controllers/machine-deployment/deployment-view.ts';

export function deployment(overrides: Partial<MachineDeploymentView> = {}): MachineDeploymentView {
  return {
    name: 'md',
    replicas: 3,
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    template: { spec: { version: 'v1.31.0' } },
    ...overrides,
  };
}

/** A MachineSet whose Machines all exist and are available unless `status` says otherwise. */
export function machineSet(name: string, replicas: number, overrides: Partial<MachineSetView> = {}): MachineSetView {
  return {
    name,
    creationTimestamp: '2025-01-01T00:00:00Z',
    replicas,
    status: { replicas, readyReplicas: replicas, availableReplicas: replicas, upToDateReplicas: replicas },
    template: { spec: { version: 'v1.31.0' } },
    ...overrides,
  };
}
