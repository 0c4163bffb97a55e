// The CustomResourceDefinitions of Cluster API's core kinds, served at cluster.x-k8s.io/v1beta2
// (the storage version). v1beta1 is not served.

import type { KubeObject } from '../meta.ts';
import { clusterCRD } from './v1beta2/cluster.ts';
import { machineCRD } from './v1beta2/machine.ts';
import { machineDeploymentCRD } from './v1beta2/machine-deployment.ts';
import { machineHealthCheckCRD } from './v1beta2/machine-health-check.ts';
import { machineSetCRD } from './v1beta2/machine-set.ts';

export const clusterApiCRDs: KubeObject[] = [clusterCRD, machineCRD, machineSetCRD, machineDeploymentCRD, machineHealthCheckCRD];
