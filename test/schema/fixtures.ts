// Objects shared by the schema tests: a CRD exercising every schema feature, and helpers.

import type { KubeObject, StatusCause } from '../../src/api/meta.ts';

export function widgetCRD(overrides: { spec?: Record<string, unknown>; name?: string } = {}): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: overrides.name ?? 'widgets.test.slipway.dev' },
    spec: {
      group: 'test.slipway.dev',
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList', shortNames: ['wd'], categories: ['all'] },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' } },
          additionalPrinterColumns: [{ name: 'Size', type: 'integer', jsonPath: '.spec.size', description: 'How big' }],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: 'A Widget is a test kind.',
              properties: {
                spec: {
                  type: 'object',
                  description: 'Desired state of the widget.',
                  required: ['size'],
                  properties: {
                    size: { type: 'integer', minimum: 1, maximum: 10, description: 'How big.' },
                    replicas: { type: 'integer', minimum: 0, default: 1 },
                    ratio: { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 1, exclusiveMaximum: true },
                    color: { type: 'string', enum: ['red', 'blue'] },
                    name: { type: 'string', pattern: '^[a-z]+$', minLength: 2, maxLength: 8 },
                    tags: { type: 'array', items: { type: 'string' }, maxItems: 2, uniqueItems: true },
                    port: { 'x-kubernetes-int-or-string': true },
                    ports: {
                      type: 'array',
                      items: { type: 'object', required: ['port'], properties: { port: { type: 'integer', format: 'int32' }, protocol: { type: 'string', default: 'TCP' } } },
                    },
                    labels: { type: 'object', additionalProperties: { type: 'string' } },
                    limits: { type: 'object', additionalProperties: { type: 'object', properties: { cpu: { type: 'string' }, burst: { type: 'boolean', default: false } } } },
                    settings: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { mode: { type: 'string', default: 'auto' } } },
                    template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
                    strictTemplate: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object', properties: { x: { type: 'string' } } } } },
                    note: { type: 'string', nullable: true, default: 'none' },
                    comment: { type: 'string' },
                    checksum: { type: 'string', format: 'byte' },
                    when: { type: 'string', format: 'date-time' },
                  },
                },
                status: { type: 'object', properties: { replicas: { type: 'integer' }, selector: { type: 'string' }, ready: { type: 'boolean' } } },
              },
            },
          },
        },
        {
          name: 'v1beta1',
          served: true,
          storage: false,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
        { name: 'v1alpha1', served: false, storage: false, schema: { openAPIV3Schema: { type: 'object' } } },
      ],
      ...overrides.spec,
    },
  };
}

export function widget(spec: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'test.slipway.dev/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'default' }, spec, ...extra };
}

/** The causes as `field: message` lines, which read well in assertion failures. */
export function lines(causes: StatusCause[]): string[] {
  return causes.map((c) => `${c.field ?? ''}: ${c.message}`);
}

export function fields(causes: StatusCause[]): string[] {
  return causes.map((c) => c.field ?? '');
}
