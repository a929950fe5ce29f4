import { createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { KafkaBridgeConfig } from './config';

/**
 * The keys partner sync relies on. Production reads them from configuration (Kubernetes
 * Secrets); local runs and tests make them once per installation next to the JWT keys
 * (mode 0600, never committed), so a developer never handles keys.
 */
export interface BridgeKeys {
  /** HMAC key shared by every Ticketaka instance: signs and verifies our ticket-sales messages. */
  signing: Buffer;
  /** The organiser's Ed25519 key for master-list messages (`signature` trust). */
  organiser: KeyObject | undefined;
  /** Local runs only: the organiser's private key, to publish the local master list as it would. */
  localOrganiserPrivateKey: string | undefined;
}

const pem = (text: string) => text.replace(/\\n/g, '\n');

function localFile(dir: string, name: string, make: () => string, mode = 0o600): string {
  const file = path.join(dir, name);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    // `wx`: two processes starting at once keep the first key instead of overwriting it.
    try {
      fs.writeFileSync(file, make(), { mode, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return fs.readFileSync(file, 'utf8').trim();
}

export function resolveBridgeKeys(config: KafkaBridgeConfig): BridgeKeys {
  const dir = config.JWT_KEYS_DIR;
  const signing = config.PARTNER_SIGNING_KEY
    ? Buffer.from(config.PARTNER_SIGNING_KEY, 'base64')
    : Buffer.from(
        localFile(dir, 'partner-signing.key', () => randomBytes(32).toString('base64')),
        'base64',
      );
  if (signing.length < 32) throw new Error('PARTNER_SIGNING_KEY must hold at least 32 bytes');

  if (config.KAFKA_MASTER_LIST_TRUST === 'acl')
    return { signing, organiser: undefined, localOrganiserPrivateKey: undefined };
  if (config.KAFKA_ORGANISER_PUBLIC_KEY) {
    return {
      signing,
      organiser: createPublicKey(pem(config.KAFKA_ORGANISER_PUBLIC_KEY)),
      localOrganiserPrivateKey: undefined,
    };
  }
  // Outside production (the schema requires the key there): the local run is its own organiser.
  let pair: { publicKey: string; privateKey: string } | undefined;
  const make = () =>
    (pair ??= generateKeyPairSync('ed25519', {
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    }));
  const privateKey = localFile(dir, 'organiser-ed25519.pem', () => make().privateKey);
  return {
    signing,
    organiser: createPublicKey(privateKey),
    localOrganiserPrivateKey: privateKey,
  };
}
