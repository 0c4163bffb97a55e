// Image pull benchmark: the same multi-layer image pulled from a loopback docker-registry by
// Slipway and by skopeo, several runs each, into fresh stores.
//   download only:     pullImage(…, { unpack: false })  vs  skopeo copy docker://… oci:DIR
//   download + unpack: pullImage(…)  (one overlayfs lower dir per layer)
//                      vs  skopeo copy + umoci raw unpack (all layers into one rootfs)
//   node bench/image-pull.ts [--quick]
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ImageStore, pullImage } from '../src/machines/images/index.ts';
import { startRegistry } from '../test/support/docker-registry.ts';
import { layerFromTree, push, writeOciLayout, type FixtureLayer } from '../test/support/oci-fixture.ts';
import { fmt, percentile } from './lib.ts';

const exec = promisify(execFile);
const quick = process.argv.includes('--quick');
const runs = quick ? 2 : 5;
// Downloads take a fraction of a second, so their medians need more samples than the unpacks'.
const downloadRepeats = 3;
const layerCount = 4;
// Per layer: incompressible files (like binaries and already-compressed data) and many small text
// files (like /usr/share), so both gzip and per-file unpacking cost something.
const randomFiles = quick ? 50 : 200;
const textFiles = quick ? 500 : 2000;
const note = (msg: string) => process.stderr.write(`bench: ${msg}\n`);

async function writeLayerTree(dir: string, seed: number): Promise<void> {
  await mkdir(path.join(dir, `layer${seed}`, 'bin'), { recursive: true });
  await mkdir(path.join(dir, `layer${seed}`, 'doc'), { recursive: true });
  for (let i = 0; i < randomFiles; i++) await writeFile(path.join(dir, `layer${seed}`, 'bin', `b${i}`), randomBytes(25_000));
  const words = Array.from({ length: 400 }, (_, i) => `word${(i * 7919 + seed) % 1000}`).join(' ');
  for (let i = 0; i < textFiles; i++) await writeFile(path.join(dir, `layer${seed}`, 'doc', `t${i}.txt`), `${i} ${words}\n`.repeat(1 + (i % 3)));
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await run();
  return (performance.now() - t0) / 1000;
}

const work = await mkdtemp(path.join(tmpdir(), 'slipway-bench-pull-'));
const registry = await startRegistry();
try {
  note('making the image');
  const layers: FixtureLayer[] = [];
  for (let n = 0; n < layerCount; n++) {
    const tree = path.join(work, `tree${n}`);
    await writeLayerTree(tree, n);
    layers.push(await layerFromTree(tree, 'gzip'));
  }
  const layout = path.join(work, 'layout');
  await writeOciLayout(layout, [{ name: 'bench', images: [{ layers, config: { Cmd: ['/bin/sh'] } }] }]);
  const reference = `${registry.host}/bench/img:1`;
  await push(layout, 'bench', reference);
  await rm(layout, { recursive: true });
  const compressed = layers.reduce((n, l) => n + l.size, 0) / 2 ** 20;
  note(`image: ${layerCount} layers, ${fmt(compressed)} MiB compressed`);

  const targets: { name: string; repeats: number; run: (dir: string) => Promise<unknown> }[] = [
    { name: 'slipway pull (download)', repeats: downloadRepeats, run: async (dir) => pullImage(await ImageStore.open(dir), reference, { plainHttp: true, unpack: false }) },
    { name: 'skopeo copy (download)', repeats: downloadRepeats, run: (dir) => exec('skopeo', ['--insecure-policy', 'copy', '--quiet', '--src-tls-verify=false', `docker://${reference}`, `oci:${dir}/oci:img`]) },
    { name: 'slipway pull + unpack', repeats: 1, run: async (dir) => pullImage(await ImageStore.open(dir), reference, { plainHttp: true }) },
    {
      name: 'skopeo copy + umoci unpack',
      repeats: 1,
      run: async (dir) => {
        await exec('skopeo', ['--insecure-policy', 'copy', '--quiet', '--src-tls-verify=false', `docker://${reference}`, `oci:${dir}/oci:img`]);
        await exec('umoci', ['raw', 'unpack', '--image', `${dir}/oci:img`, `${dir}/rootfs`]);
      },
    },
  ];
  const times = new Map<string, number[]>(targets.map((t) => [t.name, []]));
  // Interleaved, so drift in the machine's load touches every target alike.
  for (let i = 0; i < runs; i++) {
    for (let repeat = 0; repeat < downloadRepeats; repeat++) {
      for (const target of targets.filter((t) => repeat < t.repeats)) {
        const dir = await mkdtemp(path.join(work, 'run-'));
        await exec('sync');
        times.get(target.name)!.push(await timed(() => target.run(dir)));
        await rm(dir, { recursive: true, force: true });
        // Written-back pages of one run must not slow the next one down.
        await exec('sync');
      }
    }
    note(`run ${i + 1}/${runs} done`);
  }

  const median = (name: string) => percentile([...times.get(name)!].sort((a, b) => a - b), 50);
  console.log(`\nmachine: ${cpus().length} × ${cpus()[0].model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}${quick ? ' (quick run)' : ''}`);
  console.log(`image: ${layerCount} gzip layers, ${fmt(compressed)} MiB compressed, from docker-registry on loopback; ${runs * downloadRepeats} runs of each download, ${runs} of each unpack\n`);
  console.log('| target | runs | median s | min s | max s | median vs skopeo |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const target of targets) {
    const sorted = [...times.get(target.name)!].sort((a, b) => a - b);
    const reference = target.name.startsWith('slipway') ? (target.name.includes('unpack') ? 'skopeo copy + umoci unpack' : 'skopeo copy (download)') : undefined;
    console.log(`| ${target.name} | ${sorted.length} | ${fmt(median(target.name), 2)} | ${fmt(sorted[0], 2)} | ${fmt(sorted.at(-1)!, 2)} | ${reference ? `${fmt(median(target.name) / median(reference), 2)}×` : ''} |`);
  }
} finally {
  await registry.stop();
  await rm(work, { recursive: true, force: true });
}
