// core/v1 Namespace: cluster-scoped; deletion is held back by spec.finalizers until the
// namespace's contents are gone.

import type { ResourceType } from '../resource.ts';
import { objectSchema } from './object-meta.ts';

export const namespaceType: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'Namespace',
  listKind: 'NamespaceList',
  plural: 'namespaces',
  singular: 'namespace',
  shortNames: ['ns'],
  categories: [],
  namespaced: false,
  schema: objectSchema('Namespace provides a scope for Names. Use of multiple namespaces is optional.', {
    spec: {
      type: 'object',
      description: 'Spec defines the behavior of the Namespace.',
      properties: {
        finalizers: {
          type: 'array',
          description: 'Finalizers is an opaque list of values that must be empty to permanently remove object from storage.',
          items: { type: 'string' },
          'x-kubernetes-list-type': 'atomic',
        },
      },
    },
    status: {
      type: 'object',
      description: 'Status describes the current status of a Namespace.',
      properties: {
        phase: { type: 'string', enum: ['Active', 'Terminating'], description: 'Phase is the current lifecycle phase of the namespace.' },
        conditions: {
          type: 'array',
          description: "Represents the latest available observations of a namespace's current state.",
          items: {
            type: 'object',
            required: ['type', 'status'],
            properties: {
              type: { type: 'string', description: 'Type of namespace controller condition.' },
              status: { type: 'string', description: 'Status of the condition, one of True, False, Unknown.' },
              lastTransitionTime: { type: 'string', format: 'date-time', description: 'Last time the condition transitioned from one status to another.' },
              reason: { type: 'string', description: 'Unique, one-word, CamelCase reason for the condition\'s last transition.' },
              message: { type: 'string', description: 'Human-readable message indicating details about last transition.' },
            },
          },
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['type'],
          'x-kubernetes-patch-strategy': 'merge',
          'x-kubernetes-patch-merge-key': 'type',
        },
      },
    },
  }),
  subresources: { status: true },
  printerColumns: [
    { name: 'Status', type: 'string', jsonPath: '.status.phase', description: 'The phase of the namespace' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  builtin: true,
  storageVersion: 'v1',
};
