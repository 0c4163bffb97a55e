// The bootstrap data of one etcd member: a cloud-config that writes its certificates (keys readable
// by the etcd user only), its settings and the runner, starts etcd, waits until it is healthy and
// then writes Cluster API's success sentinel. The sentinel is chained to the start so that a member
// that never became healthy never reports success.
import type { KeyPair } from '../../../pki/certificates.ts';
import type { EtcdUser } from '../../../api/bootstrap.cluster.x-k8s.io/v1alpha1/etcd-config.ts';
import { writeSentinelCommand, type CloudConfig } from '../cloud-config.ts';
import { environmentFile, memberEnvironment, memberFiles, memberPaths, type MemberSettings } from './member-configuration.ts';
import { memberRunnerScript } from './member-runner.ts';

/** How long the bootstrap waits for etcd to answer before it gives up (a joiner first fetches a snapshot). */
export const HEALTHY_TIMEOUT_SECONDS = 600;

export interface MemberBootstrapInput {
  settings: MemberSettings;
  caCert: string;
  server: KeyPair;
  peer: KeyPair;
  users?: EtcdUser[];
  preEtcdCommands?: string[];
  postEtcdCommands?: string[];
}

export function memberCloudConfig(input: MemberBootstrapInput): CloudConfig {
  const runner = memberPaths.runner;
  const publicFile = (path: string, content: string, permissions = '0644') => ({ path, content, owner: 'root:root', permissions });
  const keyFile = (path: string, content: string) => ({ path, content, owner: 'etcd:etcd', permissions: '0600' });
  return {
    write_files: [
      publicFile(memberFiles.ca, input.caCert),
      publicFile(memberFiles.serverCert, input.server.cert),
      keyFile(memberFiles.serverKey, input.server.key),
      publicFile(memberFiles.peerCert, input.peer.cert),
      keyFile(memberFiles.peerKey, input.peer.key),
      publicFile(memberPaths.environmentFile, environmentFile(memberEnvironment(input.settings))),
      publicFile(runner, memberRunnerScript(), '0755'),
    ],
    // bootcmd runs on every boot but before files are written: on the first boot the runner is not there
    // yet (runcmd starts etcd), on every later one it restarts etcd.
    bootcmd: [`if [ -x ${runner} ]; then ${runner} start; fi`],
    runcmd: [
      ...(input.preEtcdCommands ?? []),
      `${runner} start && ${runner} wait-healthy ${HEALTHY_TIMEOUT_SECONDS} && ${writeSentinelCommand}`,
      ...(input.postEtcdCommands ?? []),
    ],
    users: (input.users ?? []).map((u) => ({ name: u.name, ...(u.sshAuthorizedKeys?.length ? { ssh_authorized_keys: u.sshAuthorizedKeys } : {}) })),
  };
}
