// ed25519 key pairs for SSH into machines. node:crypto generates the key (OpenSSL's generator);
// sshpk encodes it in OpenSSH's own private key format (openssh-key-v1, what `ssh -i` and
// ssh-keygen read) and as an authorized_keys line, so no key format is written by hand here.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { link, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import sshpk from 'sshpk';

export interface SshKeyPair {
  /** The private key in OpenSSH format ("-----BEGIN OPENSSH PRIVATE KEY-----"), unencrypted. */
  privateKey: string;
  /** The public key as an authorized_keys line: "ssh-ed25519 AAAA… comment". */
  publicKey: string;
  /** "SHA256:…", as `ssh-keygen -l` prints it. */
  fingerprint: string;
}

export interface WrittenKeyPair {
  privateKeyPath: string;
  /** The private key's path plus ".pub", as ssh-keygen names it. */
  publicKeyPath: string;
}

const COMMENT = /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/;

/** A new ed25519 key pair; `comment` (printable ASCII, e.g. "slipway@my-vm") ends the public key line. */
export function generateSshKeyPair(comment = 'slipway'): SshKeyPair {
  if (!COMMENT.test(comment) || comment.length > 256) {
    throw new Error(`invalid SSH key comment ${JSON.stringify(comment)}: use up to 256 printable ASCII characters, not starting or ending with a space`);
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  const key = sshpk.parsePrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' }), 'pkcs8');
  key.comment = comment;
  const publicKey = key.toPublic();
  publicKey.comment = comment;
  return {
    privateKey: key.toString('openssh'),
    publicKey: publicKey.toString('ssh'),
    fingerprint: publicKey.fingerprint('sha256').toString(),
  };
}

// Written to a temporary file with its final mode and synced, then moved into place, so the key
// never exists half-written or readable by others.
async function writeFileAtomically(target: string, content: string, mode: number, overwrite: boolean): Promise<void> {
  const temporary = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  const file = await open(temporary, 'wx', mode).catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'ENOENT'
      ? new Error(`cannot write SSH key ${target}: directory ${path.dirname(target)} does not exist`, { cause: error })
      : error;
  });
  try {
    await file.writeFile(content);
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    if (overwrite) {
      await rename(temporary, target);
    } else {
      // link() fails if the target exists, where rename() would silently replace it.
      await link(temporary, target).catch((error: NodeJS.ErrnoException) => {
        throw error.code === 'EEXIST'
          ? new Error(`cannot write SSH key ${target}: the file already exists; remove it or pass overwrite: true`, { cause: error })
          : error;
      });
    }
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}

/**
 * Writes the private key to `privateKeyPath` (mode 0600) and the public key beside it with ".pub"
 * (mode 0644). Existing files are an error unless `overwrite` is set.
 */
export async function writeSshKeyPair(keyPair: SshKeyPair, privateKeyPath: string, options: { overwrite?: boolean } = {}): Promise<WrittenKeyPair> {
  if (!path.isAbsolute(privateKeyPath) || /[\0\n]/.test(privateKeyPath)) {
    throw new Error(`invalid SSH key path ${JSON.stringify(privateKeyPath)}: give an absolute path`);
  }
  const publicKeyPath = `${privateKeyPath}.pub`;
  const overwrite = options.overwrite ?? false;
  await writeFileAtomically(privateKeyPath, keyPair.privateKey, 0o600, overwrite);
  await writeFileAtomically(publicKeyPath, `${keyPair.publicKey}\n`, 0o644, overwrite);
  return { privateKeyPath, publicKeyPath };
}
