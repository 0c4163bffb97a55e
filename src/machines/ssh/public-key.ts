// SSH public keys as users give them (one authorized_keys line) and as Slipway writes them into
// machines. sshpk decodes and checks the key material; on top of it the base64 must round-trip
// exactly, because sshpk alone accepts a truncated key as a different, shorter one.
import sshpk from 'sshpk';

export const SSH_KEY_TYPES = ['ssh-ed25519', 'ssh-rsa', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521'] as const;
export type SshKeyType = (typeof SSH_KEY_TYPES)[number];

// As ssh-keygen's own minimum for new keys; shorter RSA keys are breakable.
const MIN_RSA_BITS = 2048;

export interface SshPublicKey {
  type: SshKeyType;
  /** Key size in bits, as `ssh-keygen -l` prints it (256 for ed25519). */
  bits: number;
  comment: string;
  /** "SHA256:" and the unpadded base64 SHA-256 of the key blob, as `ssh-keygen -l` prints it. */
  fingerprint: string;
  /** The key as one authorized_keys line: "TYPE BASE64" and the comment if any. */
  line: string;
}

const isKeyType = (token: string): token is SshKeyType => (SSH_KEY_TYPES as readonly string[]).includes(token);

function invalid(reason: string): Error {
  return new Error(`invalid SSH public key: ${reason}`);
}

/**
 * Parses and validates one public key line ("ssh-ed25519 AAAA… comment"; blank and # lines around
 * it are ignored). Accepts ed25519, RSA (at least 2048 bits) and ECDSA keys; rejects private keys,
 * authorized_keys options, several keys, and key data that does not decode to the named type.
 */
export function parseSshPublicKey(text: string): SshPublicKey {
  if (text.includes('PRIVATE KEY')) throw invalid('this is a private key; give the public key (the .pub file) instead');
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  if (lines.length === 0) throw invalid('no key given; expected a line like "ssh-ed25519 AAAA… comment"');
  if (lines.length > 1) throw invalid(`expected one key, found ${lines.length} lines`);
  const [type, data = '', ...rest] = lines[0].split(/\s+/);
  const comment = rest.join(' ');
  if (!isKeyType(type)) {
    const found = lines[0].split(/\s+/).find(isKeyType);
    throw invalid(found
      ? `authorized_keys options before the key type are not accepted; give just "${found} AAAA… comment"`
      : `unsupported key type ${JSON.stringify(type.slice(0, 40))}; use one of ${SSH_KEY_TYPES.join(', ')}`);
  }
  const blob = Buffer.from(data, 'base64');
  if (data === '' || blob.toString('base64') !== data) throw invalid(`the key data after ${type} is not valid base64`);
  let key: sshpk.Key;
  try {
    key = sshpk.parseKey(`${type} ${data}`, 'ssh');
  } catch {
    throw invalid(`the key data is not a valid ${type} key`);
  }
  if (!key.toBuffer('rfc4253').equals(blob) || key.toString('ssh').split(' ')[0] !== type) {
    throw invalid(`the key data is not a valid ${type} key (truncated or altered?)`);
  }
  if (key.type === 'rsa' && key.size < MIN_RSA_BITS) {
    throw invalid(`RSA key has ${key.size} bits; use at least ${MIN_RSA_BITS} bits, or an ed25519 key`);
  }
  return {
    type,
    bits: key.size,
    comment,
    fingerprint: key.fingerprint('sha256').toString(),
    line: comment === '' ? `${type} ${data}` : `${type} ${data} ${comment}`,
  };
}
