// Key material for the PKI: ECDSA P-256 (the default, as kubeadm's) or RSA 2048 key pairs from
// WebCrypto, private keys as PKCS#8 PEM, and PEM keys read back for signing or checking.
import { webcrypto, createPrivateKey, X509Certificate } from 'node:crypto';

export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;

export type KeyAlgorithm = 'ecdsa-p256' | 'rsa-2048';

/** PEM-encoded certificate and its PKCS#8 private key. */
export interface KeyPair {
  cert: string;
  key: string;
}

function generationParameters(keyAlgorithm: KeyAlgorithm): webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams {
  return keyAlgorithm === 'rsa-2048'
    ? { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }
    : { name: 'ECDSA', namedCurve: 'P-256' };
}

export async function generateKeys(keyAlgorithm: KeyAlgorithm): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(generationParameters(keyAlgorithm), true, ['sign', 'verify'])) as CryptoKeyPair;
}

/** The signature algorithm a key signs with: ECDSA with SHA-256, or RSA PKCS#1 v1.5 (SHA-256 from the key). */
export function signingAlgorithmFor(key: CryptoKey): webcrypto.Algorithm | webcrypto.EcdsaParams {
  return key.algorithm.name === 'ECDSA' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSASSA-PKCS1-v1_5' };
}

export async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const body = der.toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN PRIVATE KEY-----\n${body}-----END PRIVATE KEY-----\n`;
}

/** A PEM private key (PKCS#8, PKCS#1 or SEC1) as a WebCrypto signing key. */
export async function importSigningKey(pem: string): Promise<CryptoKey> {
  const keyObject = createPrivateKey(pem);
  const algorithm = keyObject.asymmetricKeyType === 'ec'
    ? { name: 'ECDSA', namedCurve: 'P-256' }
    : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  return keyObject.toCryptoKey(algorithm, false, ['sign']);
}

/** Which of our algorithms a certificate's public key uses; undefined for any other key type or size. */
export function keyAlgorithmOf(cert: X509Certificate): KeyAlgorithm | undefined {
  const details = cert.publicKey.asymmetricKeyDetails;
  if (cert.publicKey.asymmetricKeyType === 'ec' && details?.namedCurve === 'prime256v1') return 'ecdsa-p256';
  if (cert.publicKey.asymmetricKeyType === 'rsa' && details?.modulusLength === 2048) return 'rsa-2048';
  return undefined;
}

/** Whether `keyPem` is the private key of `cert` (false as well when it is no key at all). */
export function keyMatchesCertificate(cert: X509Certificate, keyPem: string): boolean {
  try {
    return cert.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}
