// The CustomResourceDefinitions of Slipway's infrastructure providers: the in-memory simulation and
// the container machines.

import type { KubeObject } from '../meta.ts';
import { containerClusterCRD } from './v1alpha1/container-cluster.ts';
import { containerMachineCRD } from './v1alpha1/container-machine.ts';
import { containerMachineTemplateCRD } from './v1alpha1/container-machine-template.ts';
import { inMemoryClusterCRD } from './v1alpha1/in-memory-cluster.ts';
import { inMemoryMachineCRD } from './v1alpha1/in-memory-machine.ts';
import { inMemoryMachineTemplateCRD } from './v1alpha1/in-memory-machine-template.ts';

export const inMemoryProviderCRDs: KubeObject[] = [inMemoryClusterCRD, inMemoryMachineCRD, inMemoryMachineTemplateCRD];
export const containerProviderCRDs: KubeObject[] = [containerClusterCRD, containerMachineCRD, containerMachineTemplateCRD];
