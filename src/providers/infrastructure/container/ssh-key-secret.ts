// A machine's generated SSH key pair lives in a Secret "<machine>-ssh-key" of type
// kubernetes.io/ssh-auth (ssh-privatekey in OpenSSH format, plus ssh-publickey), controlled by the
// ContainerMachine so it goes when the machine does. Made once; afterwards only read.
import type { KubeObject } from '../../../api/meta.ts';
import type { ManagerContext } from '../../../client/controller.ts';
import { secretsResource } from '../../../client/resources.ts';
import { isAlreadyExists, isNotFound } from '../../../client/rest-client.ts';
import { generateSshKeyPair } from '../../../machines/ssh/key-pair.ts';

export const SSH_KEY_SECRET_TYPE = 'kubernetes.io/ssh-auth';
export const sshKeySecretName = (machineName: string) => `${machineName}-ssh-key`;

interface SecretObject extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}

/** The public key of the machine's key pair, making the Secret when it does not exist yet. */
export async function ensureSshKeySecret(ctx: ManagerContext, machine: KubeObject): Promise<{ name: string; publicKey: string }> {
  const name = sshKeySecretName(machine.metadata.name!);
  const namespace = machine.metadata.namespace!;
  const read = (secret: SecretObject) => {
    if (!secret.metadata.ownerReferences?.some((r) => r.uid === machine.metadata.uid)) {
      throw new Error(`Secret ${namespace}/${name} exists and does not belong to this machine: delete or rename it, or turn ssh.generateKey off`);
    }
    const publicKey = secret.data?.['ssh-publickey'];
    if (!publicKey) throw new Error(`Secret ${namespace}/${name} has no ssh-publickey: delete it so a new key pair is made`);
    return { name, publicKey: Buffer.from(publicKey, 'base64').toString().trim() };
  };
  try {
    return read(await ctx.client.get<SecretObject>(secretsResource, name, namespace));
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  const pair = generateSshKeyPair(`root@${machine.metadata.name}`.slice(0, 256));
  const secret: SecretObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name,
      namespace,
      ownerReferences: [{ apiVersion: machine.apiVersion, kind: machine.kind, name: machine.metadata.name!, uid: machine.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    },
    type: SSH_KEY_SECRET_TYPE,
    data: { 'ssh-privatekey': Buffer.from(pair.privateKey).toString('base64'), 'ssh-publickey': Buffer.from(`${pair.publicKey}\n`).toString('base64') },
  };
  try {
    await ctx.client.create(secretsResource, secret);
  } catch (error) {
    // Made by an earlier attempt whose answer was lost: read what is there.
    if (!isAlreadyExists(error)) throw error;
    return read(await ctx.client.get<SecretObject>(secretsResource, name, namespace));
  }
  ctx.recorder.event(machine, 'Normal', 'SSHKeyGenerated', `Generated an ed25519 key pair (${pair.fingerprint}) in Secret ${name}`);
  return { name, publicKey: pair.publicKey };
}
