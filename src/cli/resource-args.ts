// The ways kubectl lets a user name objects on the command line: `KIND`, `KIND NAME…`,
// `KIND1,KIND2`, and `KIND/NAME…` (possibly of different kinds).
import { UsageError } from './errors.ts';

export interface ResourceSelection {
  /** The kind as typed: plural, singular, kind or short name, optionally ".group"-qualified. */
  kind: string;
  /** Empty means every object of the kind. */
  names: string[];
}

export function parseResourceArgs(args: string[]): ResourceSelection[] {
  if (args.length === 0) throw new UsageError('you must specify the type of resource', 'e.g. `slipway get configmaps`, or `slipway get configmap/NAME`');
  if (args.some((arg) => arg.includes('/'))) {
    const selections: ResourceSelection[] = [];
    for (const arg of args) {
      const [kind, name, ...rest] = arg.split('/');
      if (!kind || !name || rest.length > 0) {
        throw new UsageError(`"${arg}" is not in KIND/NAME form`, 'when one argument is KIND/NAME, all must be (e.g. configmap/a secret/b)');
      }
      const existing = selections.find((s) => s.kind === kind);
      if (existing) existing.names.push(name);
      else selections.push({ kind, names: [name] });
    }
    return selections;
  }
  const [kinds, ...names] = args;
  const kindList = kinds.split(',').filter(Boolean);
  if (kindList.length === 0) throw new UsageError(`"${kinds}" names no resource type`, 'e.g. `slipway get configmaps`');
  if (kindList.length > 1 && names.length > 0) {
    throw new UsageError('names cannot be given with several resource types', 'use KIND/NAME for each object instead');
  }
  return kindList.map((kind) => ({ kind, names: [...names] }));
}
