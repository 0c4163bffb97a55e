// The strategy of each built-in kind that needs one; custom resources use the generic path, plus
// the extra validation registered for their kind (ResourceType.validate).
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
const customStrategies = new WeakMap<NonNullable<ResourceType['validate']>, KindStrategy>();

export function strategyFor(type: ResourceType): KindStrategy {
  if (type.builtin) return strategies[`${type.group}/${type.kind}`] ?? none;
  if (!type.validate) return none;
  let strategy = customStrategies.get(type.validate);
  if (!strategy) customStrategies.set(type.validate, (strategy = { validate: type.validate }));
  return strategy;
}
