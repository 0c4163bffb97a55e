// The health check's judgement of one Machine and its triggerIf arithmetic, as Cluster API decides them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/meta.ts';
import { checkHealth, goDuration, type HealthTarget } from '../../../src/controllers/machine-health-check/health.ts';
import { remediationAllowance, scaledValue } from '../../../src/controllers/machine-health-check/remediation-allowed.ts';

const t0 = Date.parse('2026-01-01T00:00:00Z');
const at = (seconds: number) => new Date(t0 + seconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
const condition = (type: string, status: 'True' | 'False' | 'Unknown', sinceSeconds: number, reason = 'Because') => ({ type, status, reason, message: '', lastTransitionTime: at(sinceSeconds) });

const readyCluster: KubeObject = {
  apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Cluster', metadata: { name: 'c' },
  status: { conditions: [condition('InfrastructureReady', 'True', 0), condition('ControlPlaneInitialized', 'True', 0)] },
};

function target(options: { node?: HealthTarget['node']; conditions?: ReturnType<typeof condition>[]; annotations?: Record<string, string>; nodeRef?: string; labels?: Record<string, string> } = {}): HealthTarget {
  return {
    machine: {
      apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Machine',
      metadata: { name: 'm', namespace: 'ns', creationTimestamp: at(0), annotations: options.annotations, labels: options.labels },
      spec: { clusterName: 'c', bootstrap: {}, infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'InMemoryMachine', name: 'm' } },
      status: { conditions: options.conditions ?? [], ...(options.nodeRef ? { nodeRef: { name: options.nodeRef } } : {}) },
    },
    node: options.node,
  };
}

const checks = { unhealthyNodeConditions: [{ type: 'Ready', status: 'False', timeoutSeconds: 300 }, { type: 'Ready', status: 'Unknown', timeoutSeconds: 300 }], nodeStartupTimeoutSeconds: 600 };
const judge = (t: HealthTarget, nowSeconds: number, cluster = readyCluster, c: typeof checks & { unhealthyMachineConditions?: unknown[] } = checks) =>
  checkHealth(t, { cluster, checks: c as never, nowMs: t0 + nowSeconds * 1000 });

test('a node in a checked condition for longer than its timeout makes the Machine unhealthy; before that, it is re-checked when the timeout ends', () => {
  const node = { name: 'm', conditions: [condition('Ready', 'False', 100, 'KubeletNotReady')] };
  const pending = judge(target({ node }), 200);
  assert.deepEqual(pending, { state: 'pending', nextCheckMs: 201_000 });
  const verdict = judge(target({ node }), 401);
  assert.equal(verdict.state, 'unhealthy');
  assert.equal(verdict.state === 'unhealthy' && verdict.condition.reason, 'UnhealthyNode');
  assert.equal(verdict.state === 'unhealthy' && verdict.condition.message, 'Health check failed:\n  * Condition Ready on Node is reporting status False with reason KubeletNotReady for more than 5m0s');
  assert.equal(judge(target({ node: { name: 'm', conditions: [condition('Ready', 'True', 100)] } }), 401).state, 'healthy');
});

test('Machine conditions are checked first and win the reason; messages of both are kept', () => {
  const node = { name: 'm', conditions: [condition('Ready', 'False', 0, 'KubeletNotReady')] };
  const verdict = judge(target({ node, conditions: [condition('BootstrapConfigReady', 'False', 0, 'Broken')] }), 1000, readyCluster,
    { ...checks, unhealthyMachineConditions: [{ type: 'BootstrapConfigReady', status: 'False', timeoutSeconds: 60 }] });
  assert.equal(verdict.state === 'unhealthy' && verdict.condition.reason, 'UnhealthyMachine');
  assert.match(verdict.state === 'unhealthy' ? verdict.condition.message! : '', /BootstrapConfigReady on Machine .* for more than 1m0s\n  \* Condition Ready on Node/);
});

test('node startup: timed from the latest of creation and infrastructure readiness; 0 disables it; a node that went away is unhealthy', () => {
  assert.deepEqual(judge(target(), 300), { state: 'pending', nextCheckMs: 301_000 });
  const late = judge(target({ conditions: [condition('InfrastructureReady', 'True', 500)] }), 700);
  assert.equal(late.state, 'pending', 'the clock starts when the infrastructure was ready');
  const timedOut = judge(target(), 601);
  assert.equal(timedOut.state === 'unhealthy' && timedOut.condition.reason, 'NodeStartupTimeout');
  assert.equal(timedOut.state === 'unhealthy' && timedOut.condition.message, 'Health check failed:\n  * Node failed to report startup in 10m0s');
  assert.deepEqual(judge(target(), 10_000, readyCluster, { ...checks, nodeStartupTimeoutSeconds: 0 }), { state: 'pending' });
  const deleted = judge(target({ nodeRef: 'm' }), 1);
  assert.equal(deleted.state === 'unhealthy' && deleted.condition.reason, 'NodeDeleted');
});

test('nothing is held against a worker before the control plane is initialized; the remediate-machine annotation always counts', () => {
  const notInitialized: KubeObject = { ...readyCluster, status: { conditions: [condition('InfrastructureReady', 'True', 0)] } };
  assert.deepEqual(judge(target(), 10_000, notInitialized), { state: 'pending' });
  assert.equal(judge(target({ labels: { 'cluster.x-k8s.io/control-plane': '' } }), 10_000, notInitialized).state, 'unhealthy', 'control plane machines are judged');
  const marked = judge(target({ annotations: { 'cluster.x-k8s.io/remediate-machine': '' } }), 0, notInitialized);
  assert.equal(marked.state === 'unhealthy' && marked.condition.reason, 'HasRemediateAnnotation');
});

test('triggerIf: unhealthyLessThanOrEqualTo (count or percentage of expected, rounded down) and unhealthyInRange', () => {
  assert.deepEqual(remediationAllowance(undefined, 10, 0), { allowed: true, remaining: 0 }, 'default 100%');
  assert.deepEqual(remediationAllowance({ triggerIf: { unhealthyLessThanOrEqualTo: '40%' } }, 10, 8), { allowed: true, remaining: 2 });
  const refused = remediationAllowance({ triggerIf: { unhealthyLessThanOrEqualTo: '40%' } }, 10, 4);
  assert.equal(refused.allowed, false);
  assert.equal(refused.message, 'Remediation is not allowed, the number of not started or unhealthy machines exceeds maxUnhealthy (total: 10, unhealthy: 6, maxUnhealthy: 40%)');
  assert.deepEqual(remediationAllowance({ triggerIf: { unhealthyLessThanOrEqualTo: 3 } }, 10, 7), { allowed: true, remaining: 0 });
  assert.equal(scaledValue('33%', 10), 3);
  assert.throws(() => scaledValue('3', 10), /integer or a percentage/);
  assert.deepEqual(remediationAllowance({ triggerIf: { unhealthyInRange: '[2-5]' } }, 10, 7), { allowed: true, remaining: 2 });
  const outOfRange = remediationAllowance({ triggerIf: { unhealthyInRange: '[2-5]' } }, 10, 9);
  assert.equal(outOfRange.message, 'Remediation is not allowed, the number of not started or unhealthy machines does not fall within the range (total: 10, unhealthy: 1, unhealthyRange: [2-5])');
  assert.throws(() => remediationAllowance({ triggerIf: { unhealthyInRange: '[5-2]' } }, 10, 9), /cannot be less than/);
});

test('timeouts print as Go durations', () => {
  assert.deepEqual([0, 5, 60, 90, 600, 3600, 3661].map(goDuration), ['0s', '5s', '1m0s', '1m30s', '10m0s', '1h0m0s', '1h1m1s']);
});
