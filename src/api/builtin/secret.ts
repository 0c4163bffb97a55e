// core/v1 Secret: base64-encoded data; stringData is a write-only convenience the server merges
// into data.

import type { ResourceType } from '../resource.ts';
import { objectSchema } from './object-meta.ts';

export const secretType: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'Secret',
  listKind: 'SecretList',
  plural: 'secrets',
  singular: 'secret',
  shortNames: [],
  categories: [],
  namespaced: true,
  schema: objectSchema('Secret holds secret data of a certain type. The total bytes of the values in the Data field must be less than MaxSecretSize bytes.', {
    type: {
      type: 'string',
      default: 'Opaque',
      description: 'Used to facilitate programmatic handling of secret data (e.g. Opaque, kubernetes.io/tls, kubernetes.io/dockerconfigjson).',
    },
    data: {
      type: 'object',
      description: "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here.",
      additionalProperties: { type: 'string', format: 'byte' },
    },
    stringData: {
      type: 'object',
      description: 'stringData allows specifying non-binary secret data in string form. It is provided as a write-only input field for convenience. All keys and values are merged into the data field on write, overwriting any existing values. The stringData field is never output when reading from the API.',
      additionalProperties: { type: 'string' },
    },
    immutable: {
      type: 'boolean',
      description: 'Immutable, if set to true, ensures that data stored in the Secret cannot be updated (only object metadata can be modified).',
    },
  }),
  subresources: {},
  printerColumns: [
    { name: 'Type', type: 'string', jsonPath: '.type' },
    { name: 'Data', type: 'integer', jsonPath: '.data', description: 'Number of entries in data' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  builtin: true,
  storageVersion: 'v1',
};
