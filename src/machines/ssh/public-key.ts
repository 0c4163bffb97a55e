// SSH public keys as users give them (one authorized_keys line) and as Slipway writes them into
// machines. The key blob is read in SSH's wire format (RFC 4253 §6.6) and must be in its one exact
// encoding (a truncated or padded key is not a different, shorter one); Node's crypto then checks
// the key material itself. Node's own crypto rather than sshpk: `slipway run --ssh=KEY` reads a key
// on every call, and loading sshpk cost that command ~30 ms.
import { createHash, createPublicKey, type JsonWebKey } from 'node:crypto';

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

/** ECDSA key types: the curve's name in the blob, its JWK name, and its coordinates' size in bytes. */
const EC_CURVES: Record<string, { name: string; crv: string; bytes: number; bits: number }> = {
  'ecdsa-sha2-nistp256': { name: 'nistp256', crv: 'P-256', bytes: 32, bits: 256 },
  'ecdsa-sha2-nistp384': { name: 'nistp384', crv: 'P-384', bytes: 48, bits: 384 },
  'ecdsa-sha2-nistp521': { name: 'nistp521', crv: 'P-521', bytes: 66, bits: 521 },
};

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
  const key = decodeKey(type, blob);
  if (!key) throw invalid(`the key data is not a valid ${type} key`);
  if (type === 'ssh-rsa' && key.bits < MIN_RSA_BITS) {
    throw invalid(`RSA key has ${key.bits} bits; use at least ${MIN_RSA_BITS} bits, or an ed25519 key`);
  }
  return {
    type,
    bits: key.bits,
    comment,
    fingerprint: `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`,
    line: comment === '' ? `${type} ${data}` : `${type} ${data} ${comment}`,
  };
}

/** The length-prefixed strings a wire-format blob consists of; undefined unless they fill it exactly. */
function wireStrings(blob: Buffer): Buffer[] | undefined {
  const strings: Buffer[] = [];
  for (let at = 0; at < blob.length;) {
    if (at + 4 > blob.length) return undefined;
    const length = blob.readUInt32BE(at);
    at += 4;
    if (at + length > blob.length) return undefined;
    strings.push(blob.subarray(at, at + length));
    at += length;
  }
  return strings;
}

/** A positive mpint's magnitude (RFC 4251 §5); undefined unless it is in its one canonical form. */
function positiveMpint(value: Buffer): Buffer | undefined {
  if (value.length === 0 || (value[0] & 0x80) !== 0) return undefined;
  if (value[0] !== 0) return value;
  return value.length > 1 && (value[1] & 0x80) !== 0 ? value.subarray(1) : undefined;
}

const base64url = (bytes: Buffer) => bytes.toString('base64url');

/** The key's size in bits when `blob` is exactly a `type` key whose material Node's crypto accepts. */
function decodeKey(type: SshKeyType, blob: Buffer): { bits: number } | undefined {
  const strings = wireStrings(blob);
  if (!strings || strings.length !== 3 - Number(type === 'ssh-ed25519') || strings[0].toString('latin1') !== type) return undefined;
  const [, first, second] = strings;
  let jwk: JsonWebKey;
  let bits: number;
  if (type === 'ssh-ed25519') {
    if (first.length !== 32) return undefined;
    jwk = { kty: 'OKP', crv: 'Ed25519', x: base64url(first) };
    bits = 256;
  } else if (type === 'ssh-rsa') {
    const [e, n] = [positiveMpint(first), positiveMpint(second)];
    if (!e || !n) return undefined;
    jwk = { kty: 'RSA', e: base64url(e), n: base64url(n) };
    bits = (n.length - 1) * 8 + (32 - Math.clz32(n[0]));
  } else {
    const curve = EC_CURVES[type];
    // The public point, uncompressed: 0x04, then X and Y.
    if (first.toString('latin1') !== curve.name || second.length !== 1 + 2 * curve.bytes || second[0] !== 4) return undefined;
    jwk = { kty: 'EC', crv: curve.crv, x: base64url(second.subarray(1, 1 + curve.bytes)), y: base64url(second.subarray(1 + curve.bytes)) };
    bits = curve.bits;
  }
  try {
    createPublicKey({ key: jwk, format: 'jwk' });
  } catch {
    return undefined;
  }
  return { bits };
}
