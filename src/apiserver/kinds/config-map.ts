// ConfigMaps: valid data keys and immutability.
import type { KindStrategy } from './strategy.ts';
import { validateDataKeys, validateImmutable } from './immutable-data.ts';

const dataFields = ['data', 'binaryData'];

export const configMapStrategy: KindStrategy = {
  validate(cm, old) {
    return [...validateDataKeys(cm, dataFields), ...validateImmutable(cm, old, dataFields)];
  },
};
