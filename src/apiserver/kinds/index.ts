// The strategy of each built-in kind that needs one; custom resources use the generic path only.
import type { ResourceType } from '../../api/resource.ts';
import { configMapStrategy } from './config-map.ts';
import { customResourceDefinitionStrategy } from './custom-resource-definition.ts';
import { namespaceStrategy } from './namespace.ts';
import { secretStrategy } from './secret.ts';
import type { KindStrategy } from './strategy.ts';

const strategies: Record<string, KindStrategy> = {
  '/Namespace': namespaceStrategy,
  '/ConfigMap': configMapStrategy,
  '/Secret': secretStrategy,
  'apiextensions.k8s.io/CustomResourceDefinition': customResourceDefinitionStrategy,
};

const none: KindStrategy = {};

export function strategyFor(type: ResourceType): KindStrategy {
  return type.builtin ? strategies[`${type.group}/${type.kind}`] ?? none : none;
}
