// InMemoryMachineTemplate: what MachineSets clone InMemoryMachines from (the InfraMachineTemplate
// contract of Cluster API v1beta2: spec.template.spec is an InMemoryMachineSpec).

import Type, { type Static } from 'typebox';
import { defineCRD, intOrString, kubeObject } from '../../crd.ts';
import { TemplateObjectMeta } from '../../cluster.x-k8s.io/v1beta2/common.ts';
import { InMemoryMachineSpec } from './in-memory-machine.ts';
import { apiVersion, group, inMemoryCRDLabels, version } from './common.ts';

export const InMemoryMachineTemplateSpec = Type.Object({
  template: Type.Object({
    metadata: Type.Optional(TemplateObjectMeta),
    spec: InMemoryMachineSpec,
  }, { description: 'template describes the InMemoryMachines created from this template.' }),
}, { description: 'spec is the desired state of InMemoryMachineTemplate.' });
export type InMemoryMachineTemplateSpec = Static<typeof InMemoryMachineTemplateSpec>;

/** What a machine from this template would offer, so an autoscaler can scale a MachineDeployment up from zero. */
export const InMemoryMachineTemplateStatus = Type.Object({
  capacity: Type.Optional(Type.Unsafe<Record<string, number | string>>({
    type: 'object',
    description: 'capacity defines the resource capacity of a machine from this template (resource name → quantity, e.g. cpu: "2", memory: 4Gi).',
    additionalProperties: intOrString(),
  })),
  nodeInfo: Type.Optional(Type.Object({
    architecture: Type.Optional(Type.String({ description: 'architecture of the node, e.g. amd64.' })),
    operatingSystem: Type.Optional(Type.String({ description: 'operatingSystem of the node, e.g. linux.' })),
  }, { description: 'nodeInfo describes the node a machine from this template would register.' })),
}, { description: 'status is the observed state of InMemoryMachineTemplate.' });
export type InMemoryMachineTemplateStatus = Static<typeof InMemoryMachineTemplateStatus>;

export const InMemoryMachineTemplateSchema = kubeObject('InMemoryMachineTemplate is a template for simulated machines.', InMemoryMachineTemplateSpec, InMemoryMachineTemplateStatus);
export type InMemoryMachineTemplate = Static<typeof InMemoryMachineTemplateSchema>;

export const inMemoryMachineTemplateTypeMeta = { apiVersion, kind: 'InMemoryMachineTemplate' } as const;

export const inMemoryMachineTemplateCRD = defineCRD({
  group,
  kind: 'InMemoryMachineTemplate',
  plural: 'inmemorymachinetemplates',
  categories: ['cluster-api'],
  scope: 'Namespaced',
  labels: inMemoryCRDLabels,
  versions: [{
    name: version,
    schema: InMemoryMachineTemplateSchema,
    storage: true,
    subresources: { status: true },
    printerColumns: [
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time duration since creation of the InMemoryMachineTemplate' },
    ],
  }],
});
