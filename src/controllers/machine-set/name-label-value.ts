// An object's name as a label value, the way Cluster API writes the set-name label: names are DNS subdomains of
// up to 253 characters, label values at most 63, so a longer name is replaced by "hash_<FNV-32a of the name,
// base64url>_z" (the same value Cluster API computes, so Machines labelled by either match the same selectors).
import { fnv1a32 } from './fnv1a.ts';

const MAX_LABEL_VALUE_LENGTH = 63;

export function nameLabelValue(name: string): string {
  if (name.length <= MAX_LABEL_VALUE_LENGTH) return name;
  const hash = Buffer.alloc(4);
  hash.writeUInt32BE(fnv1a32(name));
  return `hash_${hash.toString('base64url')}_z`;
}
