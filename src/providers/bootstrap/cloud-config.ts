// The cloud-config documents bootstrap providers write, limited to the subset Slipway's machines run
// (as cloud-init does): write_files (content, b64 or gzip+b64 encoding, owner, permissions, append),
// bootcmd (every boot, before files are written), runcmd (once, after them; a string runs with sh,
// a list is executed as it is) and users with ssh_authorized_keys.
import { stringify } from 'yaml';

export interface CloudConfigFile {
  path: string;
  content: string;
  encoding?: 'b64' | 'gzip+b64';
  /** user:group */
  owner?: string;
  /** Octal, e.g. "0600". */
  permissions?: string;
  append?: boolean;
}

export interface CloudConfigUser {
  name: string;
  ssh_authorized_keys?: string[];
}

export type CloudConfigCommand = string | string[];

export interface CloudConfig {
  write_files?: CloudConfigFile[];
  bootcmd?: CloudConfigCommand[];
  runcmd?: CloudConfigCommand[];
  users?: CloudConfigUser[];
}

/** Cluster API's bootstrap success sentinel: infrastructure providers report BootstrapExecSucceeded once it exists. */
export const BOOTSTRAP_SENTINEL_FILE = '/run/cluster-api/bootstrap-success.complete';
export const writeSentinelCommand = `mkdir -p /run/cluster-api && echo success > ${BOOTSTRAP_SENTINEL_FILE}`;

/** The document, with the #cloud-config header cloud-init recognises it by. */
export function renderCloudConfig(config: CloudConfig): string {
  const present = Object.fromEntries(Object.entries(config).filter(([, value]) => Array.isArray(value) && value.length > 0));
  // Long PEM lines stay literal blocks: no folding, nothing that could change a byte of a key.
  return `#cloud-config\n${stringify(present, { lineWidth: 0, blockQuote: 'literal' })}`;
}
