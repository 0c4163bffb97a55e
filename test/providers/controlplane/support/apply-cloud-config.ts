// Runs a cloud-config inside an emulated machine the way Slipway's machines run bootstrap data (the
// cloud-init subset the bootstrap providers write): bootcmd, then write_files, then runcmd, each
// command in turn whatever the previous one returned, as cloud-init does. Users are not created
// (the tests' bootstrap data has none). Usage: node apply-cloud-config.ts FILE; the exit status is
// that of the last command that failed, 0 when none did.
import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'yaml';
import type { CloudConfig, CloudConfigCommand, CloudConfigFile } from '../../../../src/providers/bootstrap/cloud-config.ts';

const text = readFileSync(process.argv[2], 'utf8');
if (!text.startsWith('#cloud-config\n')) throw new Error('not a cloud-config: the #cloud-config header is missing');
const config = parse(text) as CloudConfig;
if (config.users?.length) throw new Error('this test runner does not create users');

let status = 0;
function run(command: CloudConfigCommand): void {
  const result = typeof command === 'string' ? spawnSync('sh', ['-c', command], { stdio: 'inherit' }) : spawnSync(command[0], command.slice(1), { stdio: 'inherit' });
  const code = result.status ?? 1;
  if (code !== 0) {
    console.error(`command failed (${code}): ${JSON.stringify(command)}`);
    status = code;
  }
}

function write(file: CloudConfigFile): void {
  const content = file.encoding === 'b64' ? Buffer.from(file.content, 'base64')
    : file.encoding === 'gzip+b64' ? gunzipSync(Buffer.from(file.content, 'base64'))
      : Buffer.from(file.content);
  mkdirSync(dirname(file.path), { recursive: true, mode: 0o755 });
  if (file.append) appendFileSync(file.path, content);
  else writeFileSync(file.path, content);
  chmodSync(file.path, parseInt(file.permissions ?? '0644', 8));
  if (file.owner) run(['chown', file.owner, file.path]);
}

for (const command of config.bootcmd ?? []) run(command);
for (const file of config.write_files ?? []) write(file);
for (const command of config.runcmd ?? []) run(command);
process.exit(status);
