// Cloud-init for container machines: the cloud-config subset Cluster API's bootstrap providers emit,
// parsed and run inside a machine.
export { parseCloudConfig, CloudConfigError, type CloudConfig, type CloudConfigStep, type CloudCommand, type CloudFile, type CloudUser, type ParseOptions } from './cloud-config.ts';
export { runCloudConfig, hasBootstrapSentinel, BootstrapError, BOOTSTRAP_SENTINEL, type MachineExec, type RunOptions } from './runner.ts';
