// ResourceRefs of the built-in kinds the client layer itself works with.
import type { ResourceRef } from './rest-client.ts';

export const namespacesResource: ResourceRef = { group: '', version: 'v1', plural: 'namespaces', namespaced: false, kind: 'Namespace' };
export const eventsResource: ResourceRef = { group: '', version: 'v1', plural: 'events', namespaced: true, kind: 'Event' };
export const configMapsResource: ResourceRef = { group: '', version: 'v1', plural: 'configmaps', namespaced: true, kind: 'ConfigMap' };
export const secretsResource: ResourceRef = { group: '', version: 'v1', plural: 'secrets', namespaced: true, kind: 'Secret' };
export const leasesResource: ResourceRef = { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', namespaced: true, kind: 'Lease' };
export const customResourceDefinitionsResource: ResourceRef = { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', namespaced: false, kind: 'CustomResourceDefinition' };
