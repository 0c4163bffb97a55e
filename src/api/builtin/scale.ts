// autoscaling/v1 Scale: the body of every /scale subresource (not a stored kind of its own).

import type { Schema } from '../resource.ts';
import { objectSchema } from './object-meta.ts';

export const scaleSchema: Schema = objectSchema('Scale represents a scaling request for a resource.', {
  spec: {
    type: 'object',
    description: 'spec defines the behavior of the scale.',
    properties: {
      replicas: { type: 'integer', format: 'int32', minimum: 0, description: 'replicas is the desired number of instances for the scaled object.' },
    },
  },
  status: {
    type: 'object',
    description: 'status is the current status of the scale. Read-only.',
    required: ['replicas'],
    properties: {
      replicas: { type: 'integer', format: 'int32', description: 'replicas is the actual number of observed instances of the scaled object.' },
      selector: { type: 'string', description: 'selector is the label query over pods that should match the replicas count, in the string format of a label selector.' },
    },
  },
});
