// The Widget kind the patch tests write: a schema with each list and map type server-side apply
// treats differently, fixed timestamps, and a builder for objects of it.
import type { Schema } from '../../src/api/resource.ts';
import type { KubeObject } from '../../src/api/meta.ts';

export const widgetSchema: Schema = {
  type: 'object',
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    data: { type: 'object', additionalProperties: { type: 'string' } },
    spec: {
      type: 'object',
      properties: {
        replicas: { type: 'integer' },
        containers: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: { type: 'object', properties: { name: { type: 'string' }, image: { type: 'string' }, args: { type: 'array', items: { type: 'string' } } } },
        },
        tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
        command: { type: 'array', items: { type: 'string' } },
        selector: { type: 'object', 'x-kubernetes-map-type': 'atomic', additionalProperties: { type: 'string' } },
      },
    },
  },
};

export const T1 = '2024-05-01T10:00:00Z';
export const T2 = '2024-05-01T11:00:00Z';
export const T3 = '2024-05-01T12:00:00Z';

export function widget(body: Record<string, unknown>, metadata: Record<string, unknown> = {}, apiVersion = 'example.dev/v1'): KubeObject {
  return { apiVersion, kind: 'Widget', metadata: { name: 'w', ...metadata }, ...body };
}
