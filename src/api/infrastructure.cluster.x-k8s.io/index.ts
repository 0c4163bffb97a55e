// The CustomResourceDefinitions of Slipway's in-memory infrastructure provider.

import type { KubeObject } from '../meta.ts';
import { inMemoryClusterCRD } from './v1alpha1/in-memory-cluster.ts';
import { inMemoryMachineCRD } from './v1alpha1/in-memory-machine.ts';
import { inMemoryMachineTemplateCRD } from './v1alpha1/in-memory-machine-template.ts';

export const inMemoryProviderCRDs: KubeObject[] = [inMemoryClusterCRD, inMemoryMachineCRD, inMemoryMachineTemplateCRD];
