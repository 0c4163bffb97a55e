// Names of the Machines a MachineSet creates: spec.machineNaming.template (Cluster API v1beta2) or, by default,
// "{{ .machineSet.name }}-{{ .random }}". The template may use .cluster.name, .machineSet.name and .random (five
// characters from Kubernetes' name-generator alphabet); a result longer than 63 characters is cut to 58 and gets
// a fresh random suffix, as in Cluster API.
import { randomInt } from 'node:crypto';

export const DEFAULT_MACHINE_NAME_TEMPLATE = '{{ .machineSet.name }}-{{ .random }}';
const MAX_NAME_LENGTH = 63;
const RANDOM_LENGTH = 5;
/** No vowels and no look-alike characters: generated names never spell words. */
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function randomSuffix(): string {
  return Array.from({ length: RANDOM_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
}

export function machineName(template: string | undefined, values: { clusterName: string; machineSetName: string }): string {
  const source = template ?? DEFAULT_MACHINE_NAME_TEMPLATE;
  if (!/\{\{\s*\.random\s*\}\}/.test(source)) throw new Error(`cannot generate Machine name: {{ .random }} is missing in machineNaming.template "${source}"`);
  const random = randomSuffix();
  const name = source.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_match, field: string) => {
    switch (field) {
      case '.random': return random;
      case '.machineSet.name': return values.machineSetName;
      case '.cluster.name': return values.clusterName;
      default: throw new Error(`cannot generate Machine name: machineNaming.template "${source}" uses unknown field ${field} (known: .cluster.name, .machineSet.name, .random)`);
    }
  });
  return name.length > MAX_NAME_LENGTH ? name.slice(0, MAX_NAME_LENGTH - RANDOM_LENGTH) + randomSuffix() : name;
}
