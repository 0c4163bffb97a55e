// The Debian test root filesystem (debian-rootfs.ts) packed as an OCI image layout tarball, for
// tests that bring a machine image in through the API (an Image with source.archive) where no
// registry is reachable. Built once per rootfs and cached beside it.
import { execFile } from 'node:child_process';
import { mkdtemp, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { debianRootfs } from './debian-rootfs.ts';
import { layerFromTree, writeOciLayout } from './oci-fixture.ts';

const exec = promisify(execFile);

/** The reference tests import the image as. */
export const DEBIAN_TEST_IMAGE = 'slipway.test/debian:bookworm';
/** The same with Debian's etcd-server, for etcd members. */
export const DEBIAN_ETCD_TEST_IMAGE = 'slipway.test/debian-etcd:bookworm';

/** The path of the OCI layout tarball (one uncompressed layer: the rootfs), building it first if needed. */
export async function debianImageArchive(image: typeof DEBIAN_TEST_IMAGE | typeof DEBIAN_ETCD_TEST_IMAGE = DEBIAN_TEST_IMAGE): Promise<string> {
  const rootfs = await debianRootfs(image === DEBIAN_ETCD_TEST_IMAGE ? ['etcd-server'] : []);
  const archive = path.join(path.dirname(rootfs), 'oci-image.tar');
  if (await stat(archive).then(() => true, () => false)) return archive;
  const work = await mkdtemp(path.join(path.dirname(rootfs), 'oci-build-'));
  try {
    const layout = path.join(work, 'layout');
    const layer = await layerFromTree(rootfs, 'none');
    await writeOciLayout(layout, [{ name: image, images: [{ layers: [layer], config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['/bin/bash'] } }] }]);
    const temporary = path.join(work, 'oci-image.tar');
    await exec('tar', ['--create', `--file=${temporary}`, `--directory=${layout}`, '.']);
    // A concurrent builder's rename wins harmlessly: both archives hold the same image.
    await rename(temporary, archive);
    return archive;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
