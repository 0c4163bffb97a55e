// ContainerMachineTemplate: what MachineSets and MachineDeployments clone ContainerMachines from
// (the InfraMachineTemplate contract of Cluster API v1beta2: spec.template.spec is a
// ContainerMachine spec, without providerID).

import Type, { type Static } from 'typebox';
import { defineCRD, kubeObject } from '../../crd.ts';
import { TemplateObjectMeta } from '../../cluster.x-k8s.io/v1beta2/common.ts';
import { containerMachineSpecFields } from './container-machine.ts';
import { apiVersion, containerCRDLabels, group, version } from './common.ts';

export const ContainerMachineTemplateSpec = Type.Object({
  template: Type.Object({
    metadata: Type.Optional(TemplateObjectMeta),
    spec: Type.Object(containerMachineSpecFields, { description: 'spec of the ContainerMachines made from this template.' }),
  }, { description: 'template describes the ContainerMachines created from this template.' }),
}, { description: 'spec is the desired state of ContainerMachineTemplate.' });
export type ContainerMachineTemplateSpec = Static<typeof ContainerMachineTemplateSpec>;

export const ContainerMachineTemplateSchema = kubeObject('ContainerMachineTemplate is a template for ContainerMachines.', ContainerMachineTemplateSpec, Type.Object({}, { description: 'status is unused.' }));
export type ContainerMachineTemplate = Static<typeof ContainerMachineTemplateSchema>;

export const containerMachineTemplateTypeMeta = { apiVersion, kind: 'ContainerMachineTemplate' } as const;

export const containerMachineTemplateCRD = defineCRD({
  group,
  kind: 'ContainerMachineTemplate',
  plural: 'containermachinetemplates',
  categories: ['cluster-api'],
  scope: 'Namespaced',
  labels: containerCRDLabels,
  versions: [{
    name: version,
    schema: ContainerMachineTemplateSchema,
    storage: true,
    subresources: { status: true },
    printerColumns: [
      { name: 'Image', type: 'string', jsonPath: '.spec.template.spec.image', description: 'The image' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time duration since creation of the ContainerMachineTemplate' },
    ],
  }],
});
