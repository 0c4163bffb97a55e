// spec.remediation.triggerIf: remediation is only triggered while the number of not started or
// unhealthy machines (expected − currently healthy) is at most unhealthyLessThanOrEqualTo (an
// integer or a percentage of the expected machines, rounded down; default 100%) or, when given
// instead, within unhealthyInRange "[min-max]" — as Cluster API's isAllowedRemediation.
import type { MachineHealthCheckRemediation } from '../../api/cluster.x-k8s.io/v1beta2/machine-health-check.ts';

export interface RemediationAllowance {
  allowed: boolean;
  /** How many more machines may be remediated (status.remediationsAllowed; 0 when not allowed). */
  remaining: number;
  /** Why not, in Cluster API's words, for the RemediationAllowed condition and the event. */
  message?: string;
}

const defaultMaxUnhealthy = '100%';

/** An IntOrString scaled against `total` (percentages rounded down, as intstr.GetScaledValueFromIntOrPercent with roundUp false). */
export function scaledValue(value: number | string, total: number): number {
  if (typeof value === 'number') return value;
  const percent = /^([0-9]+)%$/.exec(value);
  if (!percent) throw new Error(`invalid value ${JSON.stringify(value)} for unhealthyLessThanOrEqualTo: give an integer or a percentage such as "40%"`);
  return Math.floor((Number(percent[1]) * total) / 100);
}

export function parseUnhealthyRange(range: string): { min: number; max: number } {
  const match = /^\[([0-9]+)-([0-9]+)\]$/.exec(range);
  if (!match) throw new Error(`invalid unhealthyInRange ${JSON.stringify(range)}: give a range such as "[3-5]"`);
  const [min, max] = [Number(match[1]), Number(match[2])];
  if (max < min) throw new Error(`invalid unhealthyInRange ${JSON.stringify(range)}: max value ${max} cannot be less than min value ${min}`);
  return { min, max };
}

export function remediationAllowance(remediation: MachineHealthCheckRemediation | undefined, expected: number, healthy: number): RemediationAllowance {
  const unhealthy = expected - healthy;
  const range = remediation?.triggerIf?.unhealthyInRange;
  if (range) {
    const { min, max } = parseUnhealthyRange(range);
    if (unhealthy >= min && unhealthy <= max) return { allowed: true, remaining: max - unhealthy };
    return { allowed: false, remaining: 0, message: `Remediation is not allowed, the number of not started or unhealthy machines does not fall within the range (total: ${expected}, unhealthy: ${unhealthy}, unhealthyRange: ${range})` };
  }
  const maxUnhealthyValue = remediation?.triggerIf?.unhealthyLessThanOrEqualTo ?? defaultMaxUnhealthy;
  const maxUnhealthy = scaledValue(maxUnhealthyValue, expected);
  if (unhealthy <= maxUnhealthy) return { allowed: true, remaining: maxUnhealthy - unhealthy };
  return { allowed: false, remaining: 0, message: `Remediation is not allowed, the number of not started or unhealthy machines exceeds maxUnhealthy (total: ${expected}, unhealthy: ${unhealthy}, maxUnhealthy: ${maxUnhealthyValue})` };
}
