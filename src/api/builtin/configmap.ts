// core/v1 ConfigMap: non-confidential key/value data.

import type { ResourceType } from '../resource.ts';
import { objectSchema } from './object-meta.ts';

export const configMapType: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  listKind: 'ConfigMapList',
  plural: 'configmaps',
  singular: 'configmap',
  shortNames: ['cm'],
  categories: [],
  namespaced: true,
  schema: objectSchema('ConfigMap holds configuration data for pods to consume.', {
    data: {
      type: 'object',
      description: "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field.",
      additionalProperties: { type: 'string' },
    },
    binaryData: {
      type: 'object',
      description: "BinaryData contains the binary data. Each key must consist of alphanumeric characters, '-', '_' or '.'. BinaryData can contain byte sequences that are not in the UTF-8 range.",
      additionalProperties: { type: 'string', format: 'byte' },
    },
    immutable: {
      type: 'boolean',
      description: 'Immutable, if set to true, ensures that data stored in the ConfigMap cannot be updated (only object metadata can be modified).',
    },
  }),
  subresources: {},
  // Kubernetes' DATA column counts the entries of data and binaryData; a printer column can only
  // point at the map, so the Table builder renders an object under an integer column as its size.
  printerColumns: [
    { name: 'Data', type: 'integer', jsonPath: '.data', description: 'Number of entries in data' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  builtin: true,
  storageVersion: 'v1',
};
