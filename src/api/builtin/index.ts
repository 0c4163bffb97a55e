// Every kind the API server serves without a CRD.

import type { ResourceType } from '../resource.ts';
import { configMapType } from './configmap.ts';
import { customResourceDefinitionType } from './custom-resource-definition.ts';
import { eventType } from './event.ts';
import { leaseType } from './lease.ts';
import { namespaceType } from './namespace.ts';
import { secretType } from './secret.ts';

export const builtinResourceTypes: ResourceType[] = [
  namespaceType,
  configMapType,
  secretType,
  eventType,
  leaseType,
  customResourceDefinitionType,
];
