// How the API server knows a kind: one ResourceType per served group/version/kind, built either
// from the built-in definitions in api/builtin or from a CustomResourceDefinition.

import type { KubeObject, StatusCause } from './meta.ts';

/** An OpenAPI v3 structural schema, with Kubernetes' x-kubernetes-* extensions. */
export interface Schema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minProperties?: number;
  maxProperties?: number;
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  not?: Schema;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  /** Strategic merge patch directives, as Kubernetes' own OpenAPI publishes them for built-in kinds. */
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-validations'?: { rule: string; message?: string }[];
}

export interface PrinterColumn {
  name: string;
  type: 'integer' | 'number' | 'string' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  format?: string;
  priority?: number;
}

export interface ScaleSubresource {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

/**
 * Checks beyond the schema for a custom kind, run on every write; each problem is a StatusCause of the
 * 422 the write gets. Slipway's own kinds use it where Cluster API providers use validating webhooks.
 */
export type CustomResourceValidator = (obj: KubeObject, old: KubeObject | undefined) => StatusCause[];

export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  /** Lower-case plural, the URL segment. */
  plural: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  namespaced: boolean;
  schema: Schema;
  subresources: { status?: boolean; scale?: ScaleSubresource };
  printerColumns: PrinterColumn[];
  /** Built-in kinds accept strategic merge patch; custom resources do not (as in Kubernetes). */
  builtin: boolean;
  /** The version objects are stored in, when a kind is served in several versions. */
  storageVersion: string;
  /** Extra validation of a custom kind, registered with the API server for its group and kind. */
  validate?: CustomResourceValidator;
}
