// A Machine's bootstrap data, as Cluster API hands it to infrastructure providers: the Secret named
// by Machine spec.bootstrap.dataSecretName (same namespace) holds it under "value", and its "format"
// says how to read it (cloud-config, the default; ignition is not supported by container machines).
import type { KubeObject } from '../../../api/meta.ts';
import type { Machine } from '../../../api/cluster.x-k8s.io/v1beta2/machine.ts';
import type { ManagerContext } from '../../../client/controller.ts';
import { secretsResource } from '../../../client/resources.ts';
import { parseCloudConfig, type CloudConfig } from '../../../machines/cloud-init/index.ts';

interface SecretObject extends KubeObject {
  data?: Record<string, string>;
}

/** The parsed bootstrap data of `machine` (which must have spec.bootstrap.dataSecretName); throws with what is wrong. */
export async function readBootstrapData(ctx: ManagerContext, machine: Machine & KubeObject, hostname: string): Promise<CloudConfig> {
  const name = machine.spec.bootstrap.dataSecretName!;
  const namespace = machine.metadata.namespace!;
  const secret = await ctx.client.get<SecretObject>(secretsResource, name, namespace);
  const field = (key: string) => (secret.data?.[key] === undefined ? undefined : Buffer.from(secret.data[key], 'base64').toString());
  const value = field('value');
  if (value === undefined) throw new Error(`bootstrap data Secret ${namespace}/${name} has no "value"`);
  const format = field('format') ?? 'cloud-config';
  if (format !== 'cloud-config') throw new Error(`bootstrap data Secret ${namespace}/${name} is in format ${JSON.stringify(format)}: container machines run cloud-config only`);
  return parseCloudConfig(value, { hostname });
}
