// The machine runtime's public surface: what controllers and the CLI use.
export { MachineRuntime, type MachineRuntimeOptions, type MachineStatus, type MachineStatusName, type StopResult } from './machine-runtime.ts';
export { MachineRuntimeError, type MachineRuntimeErrorReason } from './machine-runtime-error.ts';
export { validateMachineSpec, MIN_ROOTFS_BYTES, type HostEntry, type MachineSpec, type OciImageRuntimeConfig } from './machine-spec.ts';
export { validateMachineId } from './machine-id.ts';
export { MIN_CPUS, MIN_MEMORY_BYTES, type MachineResources } from './resource-limits.ts';
export type { ExecOptions, ExecResult, RuncState } from './runc.ts';
export type { FollowOptions } from './console-log.ts';
export type { MachineDirectory } from './machine-directory.ts';
