// The CustomResourceDefinitions of Slipway's etcd control-plane provider.

import type { KubeObject } from '../meta.ts';
import { etcdClusterCRD } from './v1alpha1/etcd-cluster.ts';

export const etcdControlPlaneProviderCRDs: KubeObject[] = [etcdClusterCRD];
