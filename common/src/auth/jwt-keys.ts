import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface JwtKeyPair {
  privateKey: string;
  publicKey: string;
}

export function generateJwtKeyPair(): JwtKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privateKey, publicKey };
}

const files = (dir: string) => ({
  privateKey: path.join(dir, 'jwt-private.pem'),
  publicKey: path.join(dir, 'jwt-public.pem'),
});

/**
 * Local runs only: one key pair per checkout, made on first use, so a developer never has
 * to handle keys. In production the keys come from Secrets (JWT_PRIVATE_KEY / JWT_PUBLIC_KEY).
 */
export function localJwtKeyPair(dir: string): JwtKeyPair {
  const f = files(dir);
  if (!fs.existsSync(f.privateKey) || !fs.existsSync(f.publicKey)) {
    const pair = generateJwtKeyPair();
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(f.privateKey, pair.privateKey, { mode: 0o600 });
    fs.writeFileSync(f.publicKey, pair.publicKey);
  }
  return {
    privateKey: fs.readFileSync(f.privateKey, 'utf8'),
    publicKey: fs.readFileSync(f.publicKey, 'utf8'),
  };
}

/** The verification key: explicit configuration first, the local key pair outside production. */
export function resolvePublicKey(config: {
  NODE_ENV: string;
  JWT_PUBLIC_KEY?: string | undefined;
  JWT_KEYS_DIR: string;
}): string {
  if (config.JWT_PUBLIC_KEY) return config.JWT_PUBLIC_KEY.replace(/\\n/g, '\n');
  if (config.NODE_ENV === 'production') throw new Error('JWT_PUBLIC_KEY is required in production');
  return localJwtKeyPair(config.JWT_KEYS_DIR).publicKey;
}
