// The CustomResourceDefinitions of Slipway's etcd bootstrap provider.

import type { KubeObject } from '../meta.ts';
import { etcdConfigCRD } from './v1alpha1/etcd-config.ts';
import { etcdConfigTemplateCRD } from './v1alpha1/etcd-config-template.ts';

export const etcdBootstrapProviderCRDs: KubeObject[] = [etcdConfigCRD, etcdConfigTemplateCRD];
