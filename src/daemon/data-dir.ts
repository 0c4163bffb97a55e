// Slipway's local data directory: the store, the PKI the API server serves with, the access
// tokens and the kubeconfig handed to users. Created on first start, reused afterwards.
import { mkdir, readFile, writeFile, chmod } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { randomBytes, X509Certificate } from 'node:crypto';
import path from 'node:path';
import { buildKubeconfig, writeKubeconfig as writeKubeconfigFile } from '../client/kubeconfig.ts';
import { createCertificateAuthority, issueCertificate, type KeyPair } from '../pki/certificates.ts';
import { needsRenewal } from '../pki/renewal.ts';

export interface Identity {
  username: string;
  groups: string[];
}

export interface DataDir {
  root: string;
  storePath: string;
  kubeconfigPath: string;
  ca: KeyPair;
  serving: KeyPair;
  /** Bearer tokens the API server accepts, and who each one is. */
  tokens: Map<string, Identity>;
  adminToken: string;
  controllerManagerToken: string;
}

const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;

async function readOrCreate(file: string, create: () => Promise<string>): Promise<string> {
  if (existsSync(file)) return readFile(file, 'utf8');
  const content = await create();
  await writeFile(file, content, { mode: 0o600 });
  return content;
}

async function loadCA(pkiDir: string): Promise<KeyPair> {
  const certFile = path.join(pkiDir, 'ca.crt');
  const keyFile = path.join(pkiDir, 'ca.key');
  if (existsSync(certFile) && existsSync(keyFile)) {
    return { cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') };
  }
  const ca = await createCertificateAuthority('slipway-ca');
  await writeFile(keyFile, ca.key, { mode: 0o600 });
  await writeFile(certFile, ca.cert, { mode: 0o644 });
  return ca;
}

/** The serving certificate, re-issued when missing, close to expiry, or not valid for `host`. */
async function loadServingCertificate(pkiDir: string, ca: KeyPair, host: string): Promise<KeyPair> {
  const certFile = path.join(pkiDir, 'apiserver.crt');
  const keyFile = path.join(pkiDir, 'apiserver.key');
  if (existsSync(certFile) && existsSync(keyFile)) {
    const current = { cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') };
    const x509 = new X509Certificate(current.cert);
    const coversHost = x509.checkIP(host) !== undefined || x509.checkHost(host) !== undefined;
    if (coversHost && x509.verify(new X509Certificate(ca.cert).publicKey) && !needsRenewal(current.cert, RENEW_BEFORE_MS)) return current;
  }
  const isIP = /^[\d.]+$|:/.test(host);
  const serving = await issueCertificate(ca, {
    commonName: 'slipway-apiserver',
    dnsNames: ['localhost', ...(isIP ? [] : [host])],
    ipAddresses: ['127.0.0.1', '::1', ...(isIP && host !== '127.0.0.1' ? [host] : [])],
    usages: ['server'],
  });
  await writeFile(keyFile, serving.key, { mode: 0o600 });
  await writeFile(certFile, serving.cert, { mode: 0o644 });
  return serving;
}

/** Prepares (or reopens) the data directory for an API server reachable at `host`. */
export async function openDataDir(root: string, host: string): Promise<DataDir> {
  const pkiDir = path.join(root, 'pki');
  await mkdir(pkiDir, { recursive: true, mode: 0o700 });
  await chmod(root, 0o700);
  const ca = await loadCA(pkiDir);
  const serving = await loadServingCertificate(pkiDir, ca, host);
  const newToken = async () => randomBytes(32).toString('base64url');
  const adminToken = (await readOrCreate(path.join(root, 'admin.token'), newToken)).trim();
  const controllerManagerToken = (await readOrCreate(path.join(root, 'controller-manager.token'), newToken)).trim();
  const tokens = new Map<string, Identity>([
    [adminToken, { username: 'slipway-admin', groups: ['system:masters', 'system:authenticated'] }],
    [controllerManagerToken, { username: 'system:slipway-controller-manager', groups: ['system:masters', 'system:authenticated'] }],
  ]);
  return { root, storePath: path.join(root, 'store.db'), kubeconfigPath: path.join(root, 'kubeconfig'), ca, serving, tokens, adminToken, controllerManagerToken };
}

/** Writes the admin kubeconfig once the server's URL is known (the port may be ephemeral). */
export async function writeKubeconfig(dataDir: DataDir, server: string): Promise<void> {
  await writeKubeconfigFile(dataDir.kubeconfigPath, buildKubeconfig({ name: 'slipway', server, caCert: dataDir.ca.cert, token: dataDir.adminToken, namespace: 'default' }));
}
