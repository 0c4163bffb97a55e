// How the CLI reads its arguments and environment, and how it words failures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseResourceArgs } from '../../src/cli/resource-args.ts';
import { parseDuration } from '../../src/cli/parse-duration.ts';
import { parseListenAddress } from '../../src/cli/commands/up.ts';
import { resolveKubeconfigPath } from '../../src/cli/kubeconfig-path.ts';
import { describeFailure } from '../../src/cli/failure.ts';
import { CliError, UsageError } from '../../src/cli/errors.ts';
import { ApiError } from '../../src/client/rest-client.ts';
import type { Command } from 'commander';
import { commandTree } from '../../src/cli/command-tree.ts';
import { commandArguments, readCommandLine } from '../../src/cli/command-line.ts';

test('parseResourceArgs understands KIND NAME…, KIND,KIND and KIND/NAME…', () => {
  assert.deepEqual(parseResourceArgs(['cm']), [{ kind: 'cm', names: [] }]);
  assert.deepEqual(parseResourceArgs(['cm', 'a', 'b']), [{ kind: 'cm', names: ['a', 'b'] }]);
  assert.deepEqual(parseResourceArgs(['cm,secrets']), [{ kind: 'cm', names: [] }, { kind: 'secrets', names: [] }]);
  assert.deepEqual(parseResourceArgs(['cm/a', 'secret/b', 'cm/c']), [{ kind: 'cm', names: ['a', 'c'] }, { kind: 'secret', names: ['b'] }]);
  assert.throws(() => parseResourceArgs(['cm/a', 'b']), (e: any) => e instanceof UsageError && /"b" is not in KIND\/NAME form/.test(e.message));
  assert.throws(() => parseResourceArgs(['cm,secrets', 'a']), /names cannot be given with several resource types/);
  assert.throws(() => parseResourceArgs([]), /you must specify the type of resource/);
});

test('parseDuration reads Go-style durations and bare seconds', () => {
  assert.equal(parseDuration('60s', '--timeout'), 60_000);
  assert.equal(parseDuration('1h30m', '--timeout'), 5_400_000);
  assert.equal(parseDuration('500ms', '--timeout'), 500);
  assert.equal(parseDuration('2.5', '--timeout'), 2500);
  assert.throws(() => parseDuration('soon', '--timeout'), (e: any) => e instanceof UsageError && e.exitCode === 2 && e.message === 'invalid --timeout "soon"');
  assert.throws(() => parseDuration('5x', '--timeout'), UsageError);
});

test('parseListenAddress splits HOST:PORT, IPv6 in brackets', () => {
  assert.deepEqual(parseListenAddress('127.0.0.1:6443'), { host: '127.0.0.1', port: 6443 });
  assert.deepEqual(parseListenAddress('[::1]:0'), { host: '::1', port: 0 });
  assert.deepEqual(parseListenAddress('localhost:8443'), { host: 'localhost', port: 8443 });
  for (const bad of ['6443', '127.0.0.1', '127.0.0.1:99999', ':6443']) assert.throws(() => parseListenAddress(bad), UsageError, bad);
});

test('resolveKubeconfigPath prefers --kubeconfig, then $KUBECONFIG, then the data dir, then ~/.kube/config', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'slipway-kubeconfig-path-'));
  try {
    const file = async (name: string) => {
      const p = path.join(dir, name);
      await mkdir(path.dirname(p), { recursive: true });
      await writeFile(p, 'apiVersion: v1\n');
      return p;
    };
    const home = path.join(dir, 'home');
    const dataDir = path.join(dir, 'data');
    assert.throws(() => resolveKubeconfigPath({ dataDir, home }), (e: any) => e instanceof CliError && /no kubeconfig found/.test(e.message) && /slipway up/.test(e.hint ?? ''));
    const homeConfig = await file('home/.kube/config');
    assert.equal(resolveKubeconfigPath({ dataDir, home }), homeConfig);
    const dataConfig = await file('data/kubeconfig');
    assert.equal(resolveKubeconfigPath({ dataDir, home }), dataConfig);
    const envConfig = await file('env/config');
    assert.equal(resolveKubeconfigPath({ env: `${path.join(dir, 'missing')}${path.delimiter}${envConfig}`, dataDir, home }), envConfig);
    const explicit = await file('explicit');
    assert.equal(resolveKubeconfigPath({ explicit, env: envConfig, dataDir, home }), explicit);
    assert.throws(() => resolveKubeconfigPath({ explicit: path.join(dir, 'nope'), dataDir, home }), /the kubeconfig ".*nope" does not exist/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('describeFailure words each kind of failure as one line', () => {
  const notFound = new ApiError({ apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', reason: 'NotFound', code: 404, message: 'configmaps "x" not found' });
  assert.deepEqual(describeFailure(notFound), { prefix: 'Error from server (NotFound): ', line: 'configmaps "x" not found', exitCode: 1 });

  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED', address: '127.0.0.1', port: 6443 });
  const transport = new ApiError({ apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', reason: 'ServiceUnavailable', code: 503, message: 'GET /api: connect ECONNREFUSED' }, { cause: refused });
  assert.equal(describeFailure(transport).line, 'cannot reach the API server at 127.0.0.1:6443: connection refused (hint: start the server with `slipway up`, or check --kubeconfig)');

  const multiLine = new CliError('first\n  second', 'do this');
  assert.deepEqual(describeFailure(multiLine), { prefix: 'error: ', line: 'first; second (hint: do this)', exitCode: 1 });
  assert.equal(describeFailure(new UsageError('bad flag', 'see --help')).exitCode, 2);
  assert.deepEqual(describeFailure('plain'), { prefix: 'error: ', line: 'plain', exitCode: 1 });
});

/** What the handler of the command `words` name would get: its action replaced, so nothing runs. */
async function handlerArguments(words: string[]): Promise<Record<string, unknown>> {
  const program = commandTree();
  const line = readCommandLine(program, words);
  let argv: Record<string, unknown> | undefined;
  line.command.action((...params: unknown[]) => { argv = commandArguments(params.at(-1) as Command); });
  await program.parseAsync(line.args, { from: 'user' });
  assert.ok(argv, `no handler reached for ${words.join(' ')}`);
  return argv;
}

test('the command tree gives handlers the values they expect: long names, lists, defaults, =true/=false, a bare --ssh', async () => {
  const run = await handlerArguments(['run', '--ssh', 'debian:bookworm', '-p', '8080:80', '--ports=53:53/udp', '--memory', '1G', '-l', 'a=b']);
  assert.deepEqual(run, {
    kubeconfig: undefined, namespace: undefined, context: undefined, 'data-dir': undefined,
    image: 'debian:bookworm', ssh: '', ports: ['8080:80', '53:53/udp'], 'copy-files': [], label: ['a=b'], env: [], memory: '1G',
    name: undefined, cpus: undefined, size: undefined, network: undefined, init: undefined, timeout: '5m',
  });
  assert.equal((await handlerArguments(['run', 'debian', '--ssh=/keys/me.pub'])).ssh, '/keys/me.pub');
  assert.equal((await handlerArguments(['run', 'debian'])).ssh, undefined);

  const get = await handlerArguments(['-n', 'team', 'get', 'cm', 'a', 'b', '-A', '--no-headers', '-o', 'yaml']);
  assert.deepEqual([get.namespace, get.resource, get.names, get['all-namespaces'], get['no-headers'], get.output, get.watch], ['team', 'cm', ['a', 'b'], true, true, 'yaml', false]);
  assert.deepEqual((await handlerArguments(['get', 'cm'])).names, []);

  const deleted = await handlerArguments(['delete', 'cm', 'a', '--wait=false', '--namespace', 'team']);
  assert.deepEqual([deleted.wait, deleted.namespace, deleted.filename, deleted.cascade, deleted.timeout], [false, 'team', [], 'background', '60s']);
  const fromStdin = await handlerArguments(['delete', '-f', '-', '--wait=true']);
  assert.deepEqual([fromStdin.resource, fromStdin.names, fromStdin.filename, fromStdin.wait], [undefined, [], ['-'], true]);
  assert.equal((await handlerArguments(['delete', 'cm', 'a', '--no-wait'])).wait, false);
  assert.equal((await handlerArguments(['describe', 'cluster', 'demo', '--grouping=false'])).grouping, false);
  assert.equal((await handlerArguments(['describe', 'cluster', 'demo'])).grouping, true);
  assert.equal((await handlerArguments(['up', '--no-machines'])).machines, false);
  assert.equal((await handlerArguments(['up'])).machines, true);

  assert.deepEqual(await handlerArguments(['ps', '-aq']).then((a) => [a.all, a.quiet]), [true, true]);
  const ssh = await handlerArguments(['ssh', 'vm1', '--', 'uname', '-a', '-n']);
  assert.deepEqual([ssh.machine, ssh.command, ssh.tty, ssh.timeout, ssh.namespace], ['vm1', ['uname', '-a', '-n'], undefined, 10, undefined]);
  assert.equal((await handlerArguments(['ssh', 'vm1', '--no-tty'])).tty, false);
  assert.deepEqual(await handlerArguments(['exec', '-i', 'vm1', '--', 'cat']).then((a) => [a.interactive, a.machine, a.command]), [true, 'vm1', ['cat']]);
  assert.deepEqual((await handlerArguments(['etcdctl', 'demo', '--', 'endpoint', 'health'])).args, ['endpoint', 'health']);
  assert.deepEqual((await handlerArguments(['image', 'build', 'local/x:1', '--debian', 'bookworm', '--packages', 'a,b', '--packages', 'c'])).packages, ['a,b', 'c']);
  assert.deepEqual(readCommandLine(commandTree(), ['image', 'list']).path, ['image', 'ls']);
});
