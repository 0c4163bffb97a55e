// Builders for MachineView test inputs: a healthy, ready, available, up-to-date Machine unless overridden.

import type { MachineView } from '../../../src/controllers/machine-set/machine-view.ts';

export function machine(name: string, overrides: Partial<MachineView> = {}): MachineView {
  return {
    name,
    creationTimestamp: '2025-01-01T00:00:00Z',
    hasNodeRef: true,
    ready: true,
    available: true,
    upToDate: true,
    ...overrides,
  };
}
