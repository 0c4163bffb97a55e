// The real `slipway` process against a real API server: apply, get, describe, delete, kubeconfig,
// completion, `up`, and bad input answered with one clear line on stderr.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { startTestServer } from '../support/server.ts';
import { runSlipway, SLIPWAY_MAIN as MAIN, type CliResult } from '../support/slipway-cli.ts';
import { freeTestSubnet, testNamePrefix } from '../machines/support/network.ts';
import { removeBridge } from '../../src/machines/network/bridge.ts';

const execFileAsync = promisify(execFile);
const ns = 'cli-e2e';
let dir: string;
let kubeconfig: string;
let stopServer: (() => Promise<void>) | undefined;

type Result = CliResult;

function run(args: string[], options: { stdin?: string; env?: Record<string, string>; kubeconfig?: string | null; timeoutMs?: number } = {}): Promise<Result> {
  const config = options.kubeconfig === undefined ? kubeconfig : options.kubeconfig;
  return runSlipway([...(config ? ['--kubeconfig', config] : []), ...args], { cwd: dir, env: { HOME: dir, ...options.env }, stdin: options.stdin, timeoutMs: options.timeoutMs });
}

async function ok(args: string[], options?: Parameters<typeof run>[1]): Promise<string> {
  const result = await run(args, options);
  assert.equal(result.code, 0, `slipway ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

/** Runs a command that must fail with exactly one line on stderr; returns that line. */
async function failsWithOneLine(args: string[], exitCode = 1, options?: Parameters<typeof run>[1]): Promise<string> {
  const result = await run(args, options);
  assert.equal(result.code, exitCode, `slipway ${args.join(' ')}: exit ${result.code}, stderr: ${result.stderr}`);
  const lines = result.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${result.stderr}`);
  assert.doesNotMatch(lines[0], /^\s+at /);
  return lines[0];
}

async function file(name: string, content: string): Promise<string> {
  const target = path.join(dir, name);
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, content);
  return target;
}

const manifests = `
apiVersion: v1
kind: Namespace
metadata:
  name: ${ns}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: app
  namespace: ${ns}
  labels: {tier: web}
data:
  colour: blue
  size: "3"
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
  namespace: ${ns}
stringData:
  password: hunter2
---
apiVersion: cli.slipway.dev/v1
kind: Gadget
metadata:
  name: g1
  namespace: ${ns}
spec:
  size: 2
  ports:
  - port: 80
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.cli.slipway.dev
spec:
  group: cli.slipway.dev
  scope: Namespaced
  names: {plural: gadgets, singular: gadget, kind: Gadget, listKind: GadgetList, shortNames: [gd]}
  versions:
  - name: v1
    served: true
    storage: true
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    - {name: Ports, type: string, jsonPath: '.spec.ports[*].port', priority: 1}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer, minimum: 1}
              ports: {type: array, items: {type: object, properties: {port: {type: integer}}}}
`;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'slipway-cli-'));
  const server = await startTestServer();
  kubeconfig = server.kubeconfigPath;
  stopServer = server.stop;
});

after(async () => {
  await stopServer?.();
  await rm(dir, { recursive: true, force: true });
});

test('apply applies a multi-document file, CRDs first, and is idempotent', async () => {
  const manifest = await file('all.yaml', manifests);
  const expected = [
    'customresourcedefinition.apiextensions.k8s.io/gadgets.cli.slipway.dev serverside-applied',
    'namespace/cli-e2e serverside-applied',
    'configmap/app serverside-applied',
    'secret/creds serverside-applied',
    'gadget.cli.slipway.dev/g1 serverside-applied',
  ];
  assert.deepEqual((await ok(['apply', '-f', manifest])).trimEnd().split('\n'), expected);
  assert.deepEqual((await ok(['apply', '-f', manifest])).trimEnd().split('\n'), expected);
});

test('apply reads stdin and directories, and supports server dry runs', async () => {
  const stdinObject = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'from-stdin' }, data: { a: '1' } });
  assert.equal(await ok(['apply', '-n', ns, '-f', '-'], { stdin: stdinObject }), 'configmap/from-stdin serverside-applied\n');
  await file('tree/a.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: tree-a, namespace: ${ns}}\n`);
  await file('tree/sub/b.json', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tree-b', namespace: ns } }));
  await file('tree/notes.txt', 'not a manifest');
  assert.equal(await ok(['apply', '-f', path.join(dir, 'tree')]), 'configmap/tree-a serverside-applied\n');
  assert.equal(await ok(['apply', '-R', '-f', path.join(dir, 'tree')]), 'configmap/tree-a serverside-applied\nconfigmap/tree-b serverside-applied\n');
  const dry = await file('dry.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dry, namespace: ${ns}}\n`);
  assert.equal(await ok(['apply', '--dry-run=server', '-f', dry]), 'configmap/dry serverside-applied (server dry run)\n');
  assert.match(await failsWithOneLine(['get', 'configmap', 'dry', '-n', ns]), /^Error from server \(NotFound\): configmaps "dry" not found$/);
});

test('apply reports a failing object in one line and still applies the others', async () => {
  const mixed = await file('mixed.yaml', `apiVersion: cli.slipway.dev/v1\nkind: Gadget\nmetadata: {name: bad, namespace: ${ns}}\nspec: {size: 0}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: after-bad, namespace: ${ns}}\n`);
  const result = await run(['apply', '-f', mixed]);
  assert.equal(result.code, 1);
  assert.equal(result.stdout, 'configmap/after-bad serverside-applied\n');
  const lines = result.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0], /^Error from server \(Invalid\): .*mixed\.yaml \(document 1\).*spec\.size/);
});

test('get prints tables like kubectl, with wide and all-namespaces variants', async () => {
  const table = (await ok(['get', 'configmaps', '-n', ns])).trimEnd().split('\n');
  assert.match(table[0], /^NAME\s{2,}DATA\s{2,}AGE$/);
  assert.ok(table.some((line) => /^app\s+2\s+\d+s$/.test(line)), table.join('\n'));

  const gadgets = (await ok(['get', 'gd', '-n', ns])).trimEnd().split('\n');
  assert.match(gadgets[0], /^NAME\s+SIZE\s+AGE$/);
  assert.match(gadgets[1], /^g1\s+2\s+\d+s$/);
  const wide = (await ok(['get', 'Gadget', '-n', ns, '-o', 'wide'])).trimEnd().split('\n');
  assert.match(wide[0], /^NAME\s+SIZE\s+PORTS\s+AGE$/);
  assert.match(wide[1], /^g1\s+2\s+80\s+\d+s$/);

  const all = (await ok(['get', 'configmaps', '-A'])).trimEnd().split('\n');
  assert.match(all[0], /^NAMESPACE\s+NAME\s+DATA\s+AGE$/);
  assert.ok(all.some((line) => new RegExp(`^${ns}\\s+app\\s+2\\s+`).test(line)), all.join('\n'));

  const labelled = (await ok(['get', 'cm', '-n', ns, '-l', 'tier=web'])).trimEnd().split('\n');
  assert.equal(labelled.length, 2);
  const empty = await run(['get', 'configmaps', '-n', ns, '-l', 'tier=none']);
  assert.equal(empty.code, 0);
  assert.equal(empty.stdout, '');
  assert.equal(empty.stderr, `No resources found in ${ns} namespace.\n`);
});

test('get -o yaml, json and name; KIND/NAME and several kinds', async () => {
  const yaml = parse(await ok(['get', 'configmap', 'app', '-n', ns, '-o', 'yaml']));
  assert.equal(yaml.kind, 'ConfigMap');
  assert.deepEqual(yaml.data, { colour: 'blue', size: '3' });
  assert.equal(yaml.metadata.managedFields, undefined);
  const managed = parse(await ok(['get', 'configmap', 'app', '-n', ns, '-o', 'yaml', '--show-managed-fields']));
  assert.equal(managed.metadata.managedFields[0].manager, 'slipway');

  const list = JSON.parse(await ok(['get', 'gadgets', '-n', ns, '-o', 'json']));
  assert.equal(list.kind, 'List');
  assert.deepEqual(list.items.map((item: any) => `${item.apiVersion} ${item.kind} ${item.metadata.name} ${item.spec.size}`), ['cli.slipway.dev/v1 Gadget g1 2']);

  const one = JSON.parse(await ok(['get', 'ConfigMap/app', '-n', ns, '-o', 'json']));
  assert.equal(one.metadata.name, 'app');

  assert.equal(await ok(['get', 'configmap/app', 'secret/creds', '-n', ns, '-o', 'name']), 'configmap/app\nsecret/creds\n');
  const both = await ok(['get', 'secrets,gadgets', '-n', ns]);
  assert.match(both, /^NAME\s+TYPE\s+DATA\s+AGE\nsecret\/creds\s+/m);
  assert.match(both, /\n\nNAME\s+SIZE\s+AGE\ngadget\.cli\.slipway\.dev\/g1\s+2\s+/);
});

test('describe shows identity, fields and events', async () => {
  const text = await ok(['describe', 'gadget', 'g1', '-n', ns]);
  assert.match(text, /^Name:\s+g1$/m);
  assert.match(text, new RegExp(`^Namespace:\\s+${ns}$`, 'm'));
  assert.match(text, /^Labels:\s+<none>$/m);
  assert.match(text, /^API Version:\s+cli\.slipway\.dev\/v1$/m);
  assert.match(text, /^Metadata:\n  .*\n/m);
  assert.match(text, /^  UID:\s+[0-9a-f-]{36}$/m);
  assert.match(text, /^Spec:\n  Size:  2\n  Ports:\n    - Port:  80\nEvents:  <none>$/m);

  // Events about the object (matched by involvedObject.uid) close the page, oldest first.
  const gadget = JSON.parse(await ok(['get', 'gadget', 'g1', '-n', ns, '-o', 'json']));
  const event = (name: string, reason: string, message: string, minutesAgo: number) => JSON.stringify({
    apiVersion: 'v1', kind: 'Event', metadata: { name, namespace: ns },
    involvedObject: { apiVersion: gadget.apiVersion, kind: 'Gadget', name: 'g1', namespace: ns, uid: gadget.metadata.uid },
    type: 'Normal', reason, message, source: { component: 'gadget-controller' }, count: 1,
    firstTimestamp: new Date(Date.now() - minutesAgo * 60_000).toISOString().replace(/\.\d+Z$/, 'Z'),
    lastTimestamp: new Date(Date.now() - minutesAgo * 60_000).toISOString().replace(/\.\d+Z$/, 'Z'),
  });
  await ok(['apply', '-f', '-'], { stdin: `${event('g1.b', 'Resized', 'size is now 2', 2)}\n---\n${event('g1.a', 'Created', 'made g1', 5)}\n---\n${JSON.stringify({ apiVersion: 'v1', kind: 'Event', metadata: { name: 'other', namespace: ns }, involvedObject: { kind: 'Gadget', name: 'g2', uid: 'not-g1' }, reason: 'Other', message: 'not about g1' })}` });
  const withEvents = await ok(['describe', 'gadget', 'g1', '-n', ns]);
  assert.match(withEvents, /^Events:\n  Type\s+Reason\s+Age\s+From\s+Message\n  ----\s+------\s+---\s+----\s+-------\n  Normal\s+Created\s+5m\d*s?\s+gadget-controller\s+made g1\n  Normal\s+Resized\s+2m\d*s?\s+gadget-controller\s+size is now 2$/m);
  assert.doesNotMatch(withEvents, /not about g1/);

  const configMap = await ok(['describe', 'cm/app', '-n', ns]);
  assert.match(configMap, /^Labels:\s+tier=web$/m);
  assert.match(configMap, /^Data:\n  colour:\s+blue\n  size:\s+3$/m);
  // Secret values stay secret: describe shows their sizes only.
  const secret = await ok(['describe', 'secret', 'creds', '-n', ns]);
  assert.match(secret, /^Data:\n  password:  7 bytes$/m);
  assert.doesNotMatch(secret, /hunter2|aHVudGVyMg/);
});

test('get --watch prints the table, then a row per change, until interrupted', async () => {
  const child = spawn(process.execPath, [MAIN, '--kubeconfig', kubeconfig, 'get', 'configmaps', '-n', ns, '-l', 'watched=yes', '--watch'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
  try {
    let stdout = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const until = async (pattern: RegExp) => {
      const deadline = Date.now() + 15_000;
      while (!pattern.test(stdout)) {
        assert.ok(Date.now() < deadline && child.exitCode === null, `waiting for ${pattern} in:\n${stdout}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await ok(['apply', '-f', '-'], { stdin: `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: watched, namespace: ${ns}, labels: {watched: "yes"}}\ndata: {a: "1"}\n` });
    await until(/^NAME\s+DATA\s+AGE\nwatched\s+1\s+\S+\n$/);
    await ok(['apply', '-f', '-'], { stdin: `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: watched, namespace: ${ns}, labels: {watched: "yes"}}\ndata: {a: "1", b: "2"}\n` });
    await until(/\nwatched\s+2\s+\S+\n$/);
    await ok(['delete', 'cm', 'watched', '-n', ns]);
    await until(/\nwatched\s+2\s+\S+\nwatched\s+2\s+\S+\n$/);
    child.kill('SIGINT');
    assert.equal(await exited, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test('delete --wait removes objects, by name and from files', async () => {
  assert.equal(await ok(['delete', 'configmap', 'from-stdin', 'tree-a', '-n', ns]), 'configmap "from-stdin" deleted\nconfigmap "tree-a" deleted\n');
  assert.match(await failsWithOneLine(['get', 'configmap', 'tree-a', '-n', ns]), /NotFound/);
  const gadgetFile = await file('gadget.yaml', `apiVersion: cli.slipway.dev/v1\nkind: Gadget\nmetadata: {name: g1, namespace: ${ns}}\n`);
  assert.equal(await ok(['delete', '-f', gadgetFile, '--timeout', '20s']), 'gadget.cli.slipway.dev "g1" deleted\n');
  // --cascade reaches the server: orphaning leaves the "orphan" finalizer for the garbage collector
  // (which this API-only test server does not run), so the object waits for it.
  await ok(['apply', '-f', gadgetFile]);
  assert.equal(await ok(['delete', '-f', gadgetFile, '--cascade=orphan', '--wait=false']), 'gadget.cli.slipway.dev "g1" deleted\n');
  assert.deepEqual(JSON.parse(await ok(['get', 'gadget/g1', '-n', ns, '-o', 'json'])).metadata.finalizers, ['orphan']);
  assert.match(await failsWithOneLine(['delete', 'configmap', 'never-was', '-n', ns]), /^Error from server \(NotFound\): configmaps "never-was" not found$/);
});

test('delete --wait gives up after --timeout when a finalizer holds the object', async () => {
  const held = await file('held.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: held, namespace: ${ns}, finalizers: [cli.slipway.dev/hold]}\n`);
  await ok(['apply', '-f', held]);
  const result = await run(['delete', 'cm/held', '-n', ns, '--timeout', '1s']);
  assert.equal(result.code, 1);
  assert.equal(result.stdout, '');
  assert.deepEqual(result.stderr.trimEnd().split('\n'), [
    'waiting for configmap/held to be deleted',
    'error: timed out after 1s waiting for configmap/held to be deleted; finalizers left: cli.slipway.dev/hold (hint: the controller that owns the finalizers may be busy or down; check with `slipway describe`, or raise --timeout)',
  ]);
  const stillThere = parse(await ok(['get', 'cm', 'held', '-n', ns, '-o', 'yaml']));
  assert.ok(stillThere.metadata.deletionTimestamp);
  // Releasing the finalizer lets the object go; --wait=false returns at once.
  await ok(['apply', '-f', '-', '--force-conflicts'], { stdin: `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: held, namespace: ${ns}, finalizers: []}\n` });
  assert.match(await failsWithOneLine(['get', 'cm', 'held', '-n', ns]), /NotFound/);
  await ok(['apply', '-f', held]);
  assert.equal(await ok(['delete', 'cm/held', '-n', ns, '--wait=false']), 'configmap "held" deleted\n');
});

test('kubeconfig prints the data directory\'s kubeconfig path or contents', async () => {
  const dataDir = path.join(dir, 'data');
  await file('data/kubeconfig', await readFile(kubeconfig, 'utf8'));
  assert.equal(await ok(['kubeconfig', '--data-dir', dataDir], { kubeconfig: null }), `${path.join(dataDir, 'kubeconfig')}\n`);
  assert.equal(await ok(['kubeconfig', '--data-dir', dataDir, '--print'], { kubeconfig: null }), await readFile(kubeconfig, 'utf8'));
  // The default data directory is ./.data, and commands find its kubeconfig without --kubeconfig.
  await file('.data/kubeconfig', await readFile(kubeconfig, 'utf8'));
  assert.equal(await ok(['kubeconfig'], { kubeconfig: null }), `${path.join(dir, '.data', 'kubeconfig')}\n`);
  assert.match(await ok(['get', 'namespaces'], { kubeconfig: null }), new RegExp(`^${ns}\\s`, 'm'));
  await rm(path.join(dir, '.data'), { recursive: true });
  assert.match(await failsWithOneLine(['kubeconfig', '--data-dir', path.join(dir, 'nowhere')], 1, { kubeconfig: null }), /^error: no kubeconfig in the data directory .*\(hint: run `slipway up` first/);
});

test('completion prints bash and zsh scripts; their callback completes commands, flags, choices, kinds and names', async () => {
  const bash = await ok(['completion', 'bash']);
  assert.match(bash, /^complete -o bashdefault -o default -F _slipway slipway$/m);
  assert.match(bash, /__complete/);
  const zsh = await ok(['completion', 'zsh']);
  assert.match(zsh, /^#compdef slipway/);
  assert.match(zsh, /__complete/);

  // The scripts run `slipway __complete WORDS…` (the word being completed last), with KUBECONFIG from the shell's environment.
  const complete = async (...words: string[]) => (await ok(['__complete', ...words], { kubeconfig: null, env: { KUBECONFIG: kubeconfig } })).trimEnd().split('\n');
  const commands = await complete('');
  for (const command of ['up', 'apply', 'get', 'describe', 'delete', 'kubeconfig', 'completion', 'run', 'image']) assert.ok(commands.includes(command), command);
  assert.deepEqual(await complete('image', ''), ['pull', 'import', 'build', 'ls']);
  const flags = await complete('get', '--');
  assert.ok(flags.includes('--output') && flags.includes('--all-namespaces') && flags.includes('--namespace'), flags.join(' '));
  assert.deepEqual(await complete('get', '--outp'), ['--output']);
  const kinds = await complete('get', '');
  assert.ok(kinds.includes('configmaps') && kinds.includes('gadgets'), kinds.join(' '));
  assert.deepEqual(await complete('describe', 'secrets', '-n', ns, ''), ['creds']);
  assert.deepEqual(await complete('-n', ns, 'get', 'secrets', 'cr'), ['creds']);
  assert.deepEqual(await complete('get', '-o', ''), ['wide', 'yaml', 'json', 'name']);
  assert.deepEqual(await complete('get', '--output=y'), ['--output=yaml']);
  assert.deepEqual(await complete('up', '--store', ''), ['sqlite', 'etcd']);
  assert.deepEqual(await complete('completion', ''), ['bash', 'zsh']);
  // Completing a delete runs nothing: the object is still there.
  await complete('delete', 'secret', 'creds', '-n', ns, '');
  assert.equal(await ok(['get', 'secret/creds', '-n', ns, '-o', 'name']), 'secret/creds\n');

  // The bash script itself, sourced in bash, its completion function run once as bash runs it on TAB.
  const script = await file('slipway.bash', bash);
  const tab = async (...words: string[]) => {
    const { stdout } = await execFileAsync('bash', ['-c', 'source "$0"; slipway() { "$NODE" "$MAIN" "$@"; }; COMP_WORDS=(slipway "$@"); COMP_CWORD=$#; _slipway; printf "%s\\n" "${COMPREPLY[@]}"', script, ...words], { env: { ...process.env, NODE: process.execPath, MAIN, KUBECONFIG: kubeconfig, NO_COLOR: '1' } });
    return stdout.trimEnd().split('\n').sort();
  };
  assert.deepEqual(await tab('des'), ['describe']);
  assert.deepEqual(await tab('get', 'gadg'), ['gadgets']);
  assert.deepEqual(await tab('describe', 'secrets', '-n', ns, ''), ['creds']);
  assert.deepEqual(await tab('get', '--all-n'), ['--all-namespaces']);

  // The zsh script, sourced in zsh, its function run with zsh's completion builtins stubbed to print what they are given.
  const zshScript = await file('slipway.zsh', zsh);
  const zshTab = async (...words: string[]) => {
    const stubs = 'compdef() { :; }; compadd() { print -rl -- "${@[2,-1]}"; }; _files() { print FILES; }; slipway() { "$NODE" "$MAIN" "$@"; }';
    const { stdout } = await execFileAsync('zsh', ['-fc', `${stubs}; source "$0"; words=(slipway "$@"); CURRENT=$(($# + 1)); _slipway`, zshScript, ...words], { env: { ...process.env, NODE: process.execPath, MAIN, KUBECONFIG: kubeconfig, NO_COLOR: '1' } });
    return stdout.trimEnd().split('\n');
  };
  assert.deepEqual(await zshTab('image', ''), ['pull', 'import', 'build', 'ls']);
  assert.deepEqual(await zshTab('describe', 'secrets', '-n', ns, 'c'), ['creds']);
  assert.deepEqual(await zshTab('cp', ''), ['FILES']);
});

test('bad input gets one line on stderr and a non-zero exit', async () => {
  assert.match(await failsWithOneLine(['get', 'flurbs']), /^error: the server doesn't have a resource type "flurbs" \(hint: /);
  assert.match(await failsWithOneLine(['apply', '-f', path.join(dir, 'missing.yaml')]), /^error: the path ".*missing\.yaml" does not exist \(hint: /);
  const malformed = await file('malformed.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [oops\n');
  assert.match(await failsWithOneLine(['apply', '-f', malformed]), /^error: malformed YAML in .*malformed\.yaml at line \d+, column \d+: .* \(hint: /);
  const unknownKind = await file('unknown.yaml', 'apiVersion: nowhere.dev/v1\nkind: Thing\nmetadata: {name: x}\n');
  assert.match(await failsWithOneLine(['apply', '-f', unknownKind]), /^error: no matches for kind "Thing" in version "nowhere\.dev\/v1"/);

  const unreachable = await file('unreachable.kubeconfig', (await readFile(kubeconfig, 'utf8')).replace(/https:\/\/127\.0\.0\.1:\d+/, 'https://127.0.0.1:1'));
  assert.match(await failsWithOneLine(['get', 'configmaps'], 1, { kubeconfig: unreachable }), /^error: cannot reach the API server at 127\.0\.0\.1:1: connection refused \(hint: start the server with `slipway up`/);

  assert.match(await failsWithOneLine(['get', 'configmaps', '--bogus'], 2), /^error: unknown option '--bogus' \(hint: run `slipway get --help`/);
  assert.match(await failsWithOneLine(['launch'], 2), /^error: unknown command 'launch' \(hint: run `slipway --help`/);
  assert.match(await failsWithOneLine(['gte', 'configmaps'], 2), /^error: unknown command 'gte' \(hint: did you mean get\? or run `slipway --help`/);
  assert.match(await failsWithOneLine([], 2), /^error: a command is required \(hint: run `slipway --help`/);
  assert.match(await failsWithOneLine(['image'], 2), /^error: a command is required \(hint: run `slipway image --help`/);
  assert.match(await failsWithOneLine(['image', 'pull'], 2), /^error: missing required argument 'reference' \(hint: run `slipway image pull --help`/);
  assert.match(await failsWithOneLine(['ps', 'extra'], 2), /^error: too many arguments for 'ps'.* \(hint: run `slipway ps --help`/);
  assert.match(await failsWithOneLine(['get', 'configmaps', '-o', 'xml'], 2), /^error: option '-o, --output <format>' argument 'xml' is invalid.*wide, yaml, json, name \(hint: run `slipway get --help`/);
  assert.match(await failsWithOneLine(['ssh', 'vm', '--timeout', 'soon'], 2), /^error: option '--timeout <seconds>' argument 'soon' is invalid/);
  assert.match(await failsWithOneLine(['get', 'configmaps'], 1, { kubeconfig: path.join(dir, 'nope.kubeconfig') }), /^error: the kubeconfig ".*nope\.kubeconfig" does not exist/);
  assert.match(await failsWithOneLine(['delete', 'configmaps'], 2), /^error: no name given for "configmaps"/);
});

test('--help on every command shows its usage, options and examples; global options go before or after the command', async () => {
  const top = await ok(['--help']);
  assert.match(top, /^Usage: slipway <command> \[options\]/);
  const commands = [...top.slice(top.indexOf('\nCommands:\n')).matchAll(/^ {2}([a-z]+) .*$/gm)].map((m) => m[1]);
  assert.equal(commands.length, 25, commands.join(' '));
  for (const command of ['up', 'kubeconfig', 'run', 'image', 'rmi']) assert.ok(commands.includes(command), command);
  for (const command of [...commands, 'image pull', 'image import', 'image build', 'image ls']) {
    const help = await ok([...command.split(' '), '--help']);
    assert.match(help, new RegExp(`^Usage: slipway ${command}[ |]`), command);
    assert.match(help, /^Options:\n {2}.*\n/m, command);
    assert.match(help, /^Global Options:\n {2}--kubeconfig <path>/m, command);
  }
  for (const command of ['get', 'run', 'describe', 'delete', 'apply', 'ssh', 'exec', 'cp', 'completion', 'image pull']) {
    assert.match(await ok([...command.split(' '), '-h']), new RegExp(`^Examples:\n {2}# .*\n {2}.*slipway ${command} `, 'm'), command);
  }
  assert.equal(await ok(['-n', ns, 'get', 'configmap/app', '-o', 'name']), 'configmap/app\n');
  assert.equal(await ok(['get', 'configmap/app', '-o', 'name', '--namespace', ns]), 'configmap/app\n');
});

test('up starts Slipway, serves until SIGTERM, then stops cleanly', async () => {
  const dataDir = path.join(dir, 'up-data');
  // The default machine Network in this test's own subnet and bridge (the real default is 10.99.0.0/16 on slipway0).
  const subnet = await freeTestSubnet(3, 218);
  const bridge = `slwt-d${testNamePrefix()}`;
  const child = spawn(process.execPath, [MAIN, 'up', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--log-level', 'warn', '--machine-subnet', subnet.cidr, '--machine-bridge', bridge], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
  try {
    let stdout = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 30_000;
    while (!/Slipway is up/.test(stdout) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    const up = /^Slipway is up at (https:\/\/127\.0\.0\.1:\d+); kubeconfig: (\S+); try: kubectl --kubeconfig \S+ get namespaces$/m.exec(stdout);
    assert.ok(up, stdout);
    assert.equal(up[2], path.join(dataDir, 'kubeconfig'));
    assert.equal(await ok(['kubeconfig', '--data-dir', dataDir], { kubeconfig: null }), `${up[2]}\n`);
    assert.match(await ok(['get', 'namespaces', '-o', 'name'], { kubeconfig: up[2] }), /^namespace\/default$/m);
    const network = JSON.parse(await ok(['get', 'networks', 'default', '-o', 'json'], { kubeconfig: up[2] }));
    assert.deepEqual(network.spec, { bridge, subnet: subnet.cidr });
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(stdout, /SIGTERM received, stopping Slipway\nSlipway stopped\n$/);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await removeBridge(bridge);
  }
});
