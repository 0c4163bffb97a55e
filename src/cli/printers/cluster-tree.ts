// The "at a glance" tree of one Cluster, in the shape of `clusterctl describe cluster` (Cluster API
// v1beta2 conditions): the Cluster, its infrastructure, its control plane and the Workers
// (MachineDeployments → Machines), one row each with replica counters and the condition that
// summarises it. Machines in the same state are folded into one "N Machines..." row, and a
// Machine's infrastructure machine and bootstrap config are only shown when they tell something
// the Machine's own row does not ("no echo").
import { stripVTControlCharacters } from 'node:util';
import type { Condition, KubeObject } from '../../api/meta.ts';
import { humanDuration } from './duration.ts';

export interface TreeStyle {
  gray(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
  bold(text: string): string;
}

const same = (text: string) => text;
export const plainTreeStyle: TreeStyle = { gray: same, red: same, green: same, yellow: same, cyan: same, bold: same };

/** Everything the tree shows, read from the API server by the caller. */
export interface ClusterObjects {
  cluster: KubeObject;
  infrastructure?: KubeObject;
  controlPlane?: KubeObject;
  machineDeployments: KubeObject[];
  machineSets: KubeObject[];
  machines: KubeObject[];
  /** Each Machine's infrastructure machine and bootstrap config, by the Machine's uid. */
  machineInfrastructure: ReadonlyMap<string, KubeObject>;
  machineBootstrap: ReadonlyMap<string, KubeObject>;
}

export interface ClusterTreeOptions {
  /** Comma separated kinds or Kind/name whose conditions are all listed ("all" for every object; a "+" suffix lists only the non-zero ones). */
  showConditions?: string;
  /** Fold Machines in the same state into one row (default true). */
  grouping?: boolean;
  /** Show infrastructure machines and bootstrap configs even when their state is the Machine's. */
  echo?: boolean;
  /** Show the MachineSets between MachineDeployments and their Machines. */
  showMachineSets?: boolean;
  now?: Date;
  style?: TreeStyle;
}

type Role = 'cluster' | 'controlPlane' | 'machineDeployment' | 'machineSet' | 'machine' | 'provider' | 'virtual' | 'group';

interface TreeNode {
  role: Role;
  kind: string;
  /** namespace/name for objects, the label for virtual nodes. */
  name: string;
  object?: KubeObject;
  conditions: Condition[];
  children: TreeNode[];
  /** Children of the same kind and state are folded into a group. */
  grouping: boolean;
  /** Group nodes: the folded objects' names and how many of them are available, ready, up to date. */
  items?: string[];
  counters?: { available: number; ready: number; upToDate: number };
}

/** Conditions for which True is the bad state. */
const negativePolarity = new Set(['Paused', 'Deleting', 'RollingOut', 'ScalingUp', 'ScalingDown', 'Updating', 'Remediating']);
const MESSAGE_WIDTH = 100;
const CONDITION_FILLER = ' '.repeat(10);
const FIRST = '├─';
const LAST = '└─';
const PIPE = '│ ';
const INDENT = '  ';

type Json = Record<string, unknown>;
const record = (value: unknown): Json => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {});
const numberAt = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
const conditionsOf = (object: KubeObject): Condition[] => {
  const list = record(object.status).conditions;
  return Array.isArray(list) ? (list as Condition[]).filter((c) => typeof c?.type === 'string') : [];
};
const findCondition = (conditions: Condition[], type: string) => conditions.find((c) => c.type === type);

function objectNode(role: Role, object: KubeObject, grouping = false): TreeNode {
  return { role, kind: object.kind, name: `${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`, object, conditions: conditionsOf(object), children: [], grouping };
}

const virtualNode = (label: string): TreeNode => ({ role: 'virtual', kind: label, name: label, conditions: [], children: [], grouping: false });

const controllerOf = (object: KubeObject): string | undefined => object.metadata.ownerReferences?.find((o) => o.controller)?.uid;

/** Status and reason of a condition, the part that must match for two objects to be folded or echoed. */
const stateOf = (c: Condition | undefined) => (c ? `${c.status}/${c.reason}` : '-');
const machineState = (node: TreeNode) => ['Available', 'Ready', 'UpToDate'].map((t) => stateOf(findCondition(node.conditions, t))).join(' ');

/** Folds same-kind, same-state Machines under a grouping parent into group nodes. */
function foldGroups(parent: TreeNode): void {
  for (const child of parent.children) foldGroups(child);
  if (!parent.grouping) return;
  const byState = new Map<string, TreeNode[]>();
  for (const child of parent.children) {
    if (child.role !== 'machine') continue;
    const key = `${child.kind} ${machineState(child)}`;
    byState.set(key, [...(byState.get(key) ?? []), child]);
  }
  for (const members of byState.values()) {
    if (members.length < 2) continue;
    const ready = members.map((m) => findCondition(m.conditions, 'Ready')).filter((c) => c !== undefined);
    const groupConditions: Condition[] = [];
    for (const type of ['Available', 'Ready', 'UpToDate']) {
      const first = findCondition(members[0].conditions, type);
      if (!first) continue;
      // The group's "since" is its oldest Ready transition; messages differ per object and are dropped.
      const since = type === 'Ready' ? ready.map((c) => c.lastTransitionTime).sort()[0] : '';
      groupConditions.push({ ...first, message: '', lastTransitionTime: since });
    }
    const count = (type: string) => members.filter((m) => findCondition(m.conditions, type)?.status === 'True').length;
    const group: TreeNode = {
      role: 'group',
      kind: `${members[0].kind}Group`,
      name: `${members.length} ${members[0].kind}s...`,
      conditions: groupConditions,
      children: [],
      grouping: false,
      items: members.map((m) => m.object!.metadata.name!).sort(),
      counters: { available: count('Available'), ready: count('Ready'), upToDate: count('UpToDate') },
    };
    parent.children = [...parent.children.filter((c) => !members.includes(c)), group];
  }
}

/** Builds the tree of a Cluster from its objects. */
function buildTree(objects: ClusterObjects, options: ClusterTreeOptions): TreeNode {
  const grouping = options.grouping ?? true;
  const root = objectNode('cluster', objects.cluster);
  if (objects.infrastructure) root.children.push(objectNode('provider', objects.infrastructure));

  const addMachine = (parent: TreeNode, machine: KubeObject) => {
    const node = objectNode('machine', machine);
    const readyOfMachine = findCondition(node.conditions, 'Ready');
    for (const related of [objects.machineInfrastructure.get(machine.metadata.uid!), objects.machineBootstrap.get(machine.metadata.uid!)]) {
      if (!related) continue;
      const relatedNode = objectNode('provider', related);
      const ready = findCondition(relatedNode.conditions, 'Ready');
      // No echo: only what the Machine's Ready condition does not already say.
      const echoes = ready?.status === 'True' || stateOf(ready) === stateOf(readyOfMachine);
      if (options.echo || !echoes) node.children.push(relatedNode);
    }
    parent.children.push(node);
  };

  const isControlPlaneMachine = (m: KubeObject) => m.metadata.labels?.['cluster.x-k8s.io/control-plane'] !== undefined;
  const placed = new Set<string>();
  if (objects.controlPlane) {
    const controlPlane = objectNode('controlPlane', objects.controlPlane, grouping);
    root.children.push(controlPlane);
    for (const machine of objects.machines.filter(isControlPlaneMachine)) {
      addMachine(controlPlane, machine);
      placed.add(machine.metadata.uid!);
    }
  }

  const workerMachines = objects.machines.filter((m) => !isControlPlaneMachine(m));
  if (workerMachines.length > 0 || objects.machineDeployments.length > 0) {
    const workers = virtualNode('Workers');
    root.children.push(workers);
    for (const deployment of objects.machineDeployments) {
      const deploymentNode = objectNode('machineDeployment', deployment, grouping && !options.showMachineSets);
      workers.children.push(deploymentNode);
      for (const machineSet of objects.machineSets.filter((ms) => controllerOf(ms) === deployment.metadata.uid)) {
        let parent = deploymentNode;
        if (options.showMachineSets) {
          parent = objectNode('machineSet', machineSet, grouping);
          deploymentNode.children.push(parent);
        }
        for (const machine of workerMachines.filter((m) => controllerOf(m) === machineSet.metadata.uid)) {
          addMachine(parent, machine);
          placed.add(machine.metadata.uid!);
        }
      }
    }
    const others = workerMachines.filter((m) => !placed.has(m.metadata.uid!));
    if (others.length > 0) {
      const other = virtualNode('Other');
      workers.children.push(other);
      for (const machine of others) addMachine(other, machine);
    }
  }
  foldGroups(root);
  return root;
}

type ConditionFilter = 'none' | 'all' | 'nonZero';

function conditionFilter(node: TreeNode, showConditions: string | undefined): ConditionFilter {
  const name = node.object?.metadata.name ?? node.name;
  for (const filter of (showConditions ?? '').split(',').filter(Boolean)) {
    const nonZero = filter.endsWith('+');
    const plain = nonZero ? filter.slice(0, -1) : filter;
    const [kind, objectName] = plain.split('/');
    const matches = plain.toLowerCase() === 'all'
      || (kind.toLowerCase() === node.kind.toLowerCase() && (objectName === undefined || objectName.toLowerCase() === name.toLowerCase()));
    if (matches) return nonZero ? 'nonZero' : 'all';
  }
  return 'none';
}

/** A condition in its "nothing to see" state: good status and no message. */
function isZero(c: Condition): boolean {
  if (c.status === 'Unknown') return false;
  const good = negativePolarity.has(c.type) ? c.status === 'False' : c.status === 'True';
  return good && !c.message;
}

interface ConditionCells { status: string; reason: string; since: string; message: string }

/** Wraps a message at word boundaries into lines of at most `width` characters, keeping its own line breaks. */
function wrapMessage(text: string, width = MESSAGE_WIDTH): string[] {
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    const leading = /^ */.exec(line)![0];
    // Continuation lines of a "* item" align with the item's text.
    const indent = leading + (line.trimStart().startsWith('* ') ? '  ' : '');
    let current = leading;
    for (const word of line.trim().split(/\s+/).filter(Boolean)) {
      if (current.trim() === '' || current.length + 1 + word.length <= width) {
        current = current.trim() === '' ? current + word : `${current} ${word}`;
      } else {
        lines.push(current);
        current = indent + word;
      }
    }
    lines.push(current);
  }
  return lines;
}

function conditionCells(c: Condition, now: Date, style: TreeStyle): ConditionCells {
  const negative = negativePolarity.has(c.type);
  const paint = c.status === 'Unknown' ? style.yellow : (c.status === 'True') !== negative ? style.green : style.red;
  const since = c.lastTransitionTime ? humanDuration((now.getTime() - Date.parse(c.lastTransitionTime)) / 1000) : '';
  return { status: paint(c.status), reason: c.reason ?? '', since, message: c.message ?? '' };
}

interface RowCells { replicas: string; available: string; ready: string; upToDate: string; condition?: Condition }

/** The counters and summarising condition of a row, per kind of object (as clusterctl picks them). */
function rowCells(node: TreeNode): RowCells {
  const object = node.object;
  const spec = record(object?.spec);
  const status = record(object?.status);
  const text = (n: number | undefined) => (n === undefined ? '' : String(n));
  switch (node.role) {
    case 'cluster': {
      const parts = [record(status.controlPlane), record(status.workers)];
      const sum = (field: string) => {
        const values = parts.map((p) => numberAt(p[field]));
        return values.every((v) => v === undefined) ? undefined : values.reduce<number>((a, v) => a + (v ?? 0), 0);
      };
      const current = sum('replicas');
      const desired = sum('desiredReplicas');
      return {
        replicas: current === undefined && desired === undefined ? '' : `${current ?? 0}/${desired ?? 0}`,
        available: text(sum('availableReplicas')),
        ready: text(sum('readyReplicas')),
        upToDate: text(sum('upToDateReplicas')),
        condition: findCondition(node.conditions, 'Available'),
      };
    }
    case 'machineDeployment':
    case 'machineSet':
    case 'controlPlane': {
      const desired = numberAt(spec.replicas);
      return {
        replicas: desired === undefined ? '' : `${numberAt(status.replicas) ?? 0}/${desired}`,
        available: text(numberAt(status.availableReplicas)),
        ready: text(numberAt(status.readyReplicas)),
        upToDate: text(numberAt(status.upToDateReplicas)),
        // A MachineSet row shows counters only.
        condition: node.role === 'machineSet' ? undefined : findCondition(node.conditions, 'Available') ?? (node.role === 'controlPlane' ? findCondition(node.conditions, 'Ready') : undefined),
      };
    }
    case 'machine': {
      const isTrue = (type: string) => (findCondition(node.conditions, type)?.status === 'True' ? '1' : '0');
      return { replicas: '1', available: isTrue('Available'), ready: isTrue('Ready'), upToDate: isTrue('UpToDate'), condition: findCondition(node.conditions, 'Ready') };
    }
    case 'group':
      return { replicas: '', available: String(node.counters!.available), ready: String(node.counters!.ready), upToDate: String(node.counters!.upToDate), condition: findCondition(node.conditions, 'Ready') };
    case 'provider':
      return { replicas: '', available: '', ready: '', upToDate: '', condition: findCondition(node.conditions, 'Ready') };
    case 'virtual':
      return { replicas: '', available: '', ready: '', upToDate: '' };
  }
}

function rowName(node: TreeNode, style: TreeStyle): string {
  if (node.role === 'group') return style.bold(node.name);
  if (node.role === 'virtual') return node.name;
  const version = node.role === 'machine' ? record(node.object!.spec).version
    : node.role === 'machineDeployment' || node.role === 'machineSet' ? record(record(record(node.object!.spec).template).spec).version
      : node.role === 'controlPlane' ? record(node.object!.spec).version
        : undefined;
  const name = `${node.kind} ${style.bold(node.name)}${typeof version === 'string' && version ? `, ${version}` : ''}`;
  return node.object?.metadata.deletionTimestamp ? `${style.red('!! DELETED !!')} ${name}` : name;
}

const plainName = (node: TreeNode) => rowName(node, plainTreeStyle);

/** The prefix of the next child: ancestors' branches carried on as pipes or blanks. */
function childPrefix(prefix: string, index: number, count: number): string {
  const carried = prefix.replaceAll(FIRST, PIPE).replaceAll(LAST, INDENT);
  return carried + (index < count - 1 ? FIRST : LAST);
}

const TREE_HEADER = ['NAME', 'REPLICAS', 'AVAILABLE', 'READY', 'UP TO DATE', 'STATUS', 'REASON', 'SINCE', 'MESSAGE'];

/** The rows of the tree, each a list of cells (NAME … MESSAGE), header first. */
export function clusterTreeRows(objects: ClusterObjects, options: ClusterTreeOptions = {}): string[][] {
  const style = options.style ?? plainTreeStyle;
  const now = options.now ?? new Date();
  const rows: string[][] = [TREE_HEADER];
  const continuation = (namePrefix: string, message: string) => ['', '', '', '', '', '', '', '', ''].map((_, i) => (i === 0 ? style.gray(namePrefix) : i === 8 ? message : ''));

  const addRow = (node: TreeNode, prefix: string) => {
    const cells = rowCells(node);
    const filter = conditionFilter(node, options.showConditions);
    let condition: ConditionCells = { status: '', reason: '', since: '', message: '' };
    if (cells.condition && filter === 'none') condition = conditionCells(cells.condition, now, style);
    if (node.role === 'group' && filter === 'none') {
      const shown = node.items!.slice(0, 2).join(', ');
      condition.message = style.gray(`See ${shown}${node.items!.length > 2 ? ', ...' : ''}`);
    }
    const message = wrapMessage(condition.message);
    rows.push([`${style.gray(prefix)}${rowName(node, style)}`, cells.replicas, cells.available, cells.ready, cells.upToDate, condition.status, condition.reason, condition.since, message[0]]);
    // Later lines of a long message continue under the row, inside the branches around it.
    const carried = prefix.replaceAll(FIRST, PIPE).replaceAll(LAST, INDENT) + (node.children.length > 0 ? PIPE : '');
    for (const line of message.slice(1)) rows.push(continuation(carried, line));

    if (filter !== 'none') {
      const shown = node.conditions.filter((c) => filter === 'all' || c.type === 'Available' || c.type === 'Ready' || !isZero(c));
      const base = prefix.replaceAll(FIRST, PIPE).replaceAll(LAST, INDENT) + (node.children.length > 0 ? PIPE : INDENT) + CONDITION_FILLER;
      shown.forEach((c, i) => {
        const conditionPrefix = childPrefix(base, i, shown.length);
        const cellsOf = conditionCells(c, now, style);
        const lines = wrapMessage(cellsOf.message);
        rows.push([`${style.gray(conditionPrefix)}${style.cyan(c.type)}`, '', '', '', '', cellsOf.status, cellsOf.reason, cellsOf.since, lines[0]]);
        const under = conditionPrefix.endsWith(FIRST) ? conditionPrefix.slice(0, -FIRST.length) + PIPE : conditionPrefix.slice(0, -LAST.length);
        for (const line of lines.slice(1)) rows.push(continuation(under, line));
      });
    }

    // Children in name order, as clusterctl sorts them.
    const children = [...node.children].sort((a, b) => plainName(a).localeCompare(plainName(b)));
    children.forEach((child, i) => addRow(child, childPrefix(prefix, i, children.length)));
  };
  addRow(buildTree(objects, options), '');
  return rows;
}

/** Aligns rows into columns two spaces apart, measuring cells without their colour codes. */
function alignTreeRows(rows: string[][]): string {
  const width = (cell: string) => stripVTControlCharacters(cell).length;
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => width(row[column] ?? ''))));
  return rows.map((row) => row.map((cell, i) => (i < row.length - 1 ? cell + ' '.repeat(widths[i] - width(cell) + 2) : cell)).join('').trimEnd()).join('\n');
}

/** The tree as text, ready to print. */
export function renderClusterTree(objects: ClusterObjects, options: ClusterTreeOptions = {}): string {
  return `${alignTreeRows(clusterTreeRows(objects, options))}\n`;
}
