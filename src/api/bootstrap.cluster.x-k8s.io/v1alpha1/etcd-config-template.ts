// EtcdConfigTemplate: what EtcdConfigs are cloned from when Machines are stamped from a template (the
// BootstrapConfigTemplate contract of Cluster API v1beta2: spec.template.spec is an EtcdConfigSpec).

import Type, { type Static } from 'typebox';
import { defineCRD, kubeObject } from '../../crd.ts';
import { TemplateObjectMeta } from '../../cluster.x-k8s.io/v1beta2/common.ts';
import { EtcdConfigSpec } from './etcd-config.ts';
import { etcdBootstrapCRDLabels, group, version } from './common.ts';

export const EtcdConfigTemplateSpec = Type.Object({
  template: Type.Object({
    metadata: Type.Optional(TemplateObjectMeta),
    spec: EtcdConfigSpec,
  }, { description: 'template describes the EtcdConfigs created from this template.' }),
}, { description: 'spec is the desired state of EtcdConfigTemplate.' });
export type EtcdConfigTemplateSpec = Static<typeof EtcdConfigTemplateSpec>;

export const EtcdConfigTemplateSchema = kubeObject('EtcdConfigTemplate is a template for EtcdConfigs.', EtcdConfigTemplateSpec, Type.Object({}, { description: 'status is unused.' }));
export type EtcdConfigTemplate = Static<typeof EtcdConfigTemplateSchema>;

export const etcdConfigTemplateCRD = defineCRD({
  group,
  kind: 'EtcdConfigTemplate',
  plural: 'etcdconfigtemplates',
  categories: ['cluster-api'],
  scope: 'Namespaced',
  labels: etcdBootstrapCRDLabels,
  versions: [{
    name: version,
    schema: EtcdConfigTemplateSchema,
    storage: true,
    printerColumns: [
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time duration since creation of the EtcdConfigTemplate' },
    ],
  }],
});
