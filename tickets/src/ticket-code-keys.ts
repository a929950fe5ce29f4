import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { keyIdOf, type SigningKey } from './domain/ticket-code';

export interface TicketCodeKeys {
  /** Signs every new code. */
  current: SigningKey;
  /** Key id → public key: the current key and the previous ones gates still accept. */
  verification: ReadonlyMap<string, KeyObject>;
  /** What gate devices download: every accepted key, the current one marked. */
  published: { keyId: string; algorithm: 'Ed25519'; publicKey: string; current: boolean }[];
}

const PRIVATE_FILE = 'ticket-code-private.pem';

/**
 * Local runs only: one Ed25519 key per installation, made on first use beside the session
 * keys, so nobody handles keys on a laptop. In production it comes from a Secret.
 */
export function localTicketCodeKey(dir: string): string {
  const file = path.join(dir, PRIVATE_FILE);
  if (!fs.existsSync(file)) {
    const { privateKey } = generateKeyPairSync('ed25519', {
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, privateKey, { mode: 0o600 });
  }
  return fs.readFileSync(file, 'utf8');
}

const pemBlocks = (text: string) =>
  text.replace(/\\n/g, '\n').match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g) ??
  [];

/**
 * Rotation: a new private key signs from the moment it is deployed, while the public keys
 * listed in `previousPublicKeys` keep verifying codes already printed or cached by gates.
 */
export function loadTicketCodeKeys(config: {
  NODE_ENV: string;
  TICKET_CODE_PRIVATE_KEY?: string | undefined;
  TICKET_CODE_PREVIOUS_PUBLIC_KEYS?: string | undefined;
  JWT_KEYS_DIR: string;
}): TicketCodeKeys {
  const pem = config.TICKET_CODE_PRIVATE_KEY
    ? config.TICKET_CODE_PRIVATE_KEY.replace(/\\n/g, '\n')
    : config.NODE_ENV === 'production'
      ? undefined
      : localTicketCodeKey(config.JWT_KEYS_DIR);
  if (!pem) throw new Error('TICKET_CODE_PRIVATE_KEY is required in production');
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new Error(
      'TICKET_CODE_PRIVATE_KEY must be an Ed25519 key (openssl genpkey -algorithm ed25519)',
    );
  const publicKey = createPublicKey(privateKey);
  const current = { keyId: keyIdOf(publicKey), privateKey, publicKey };
  const accepted = [
    publicKey,
    ...pemBlocks(config.TICKET_CODE_PREVIOUS_PUBLIC_KEYS ?? '').map((p) => createPublicKey(p)),
  ];
  const verification = new Map(accepted.map((k) => [keyIdOf(k), k]));
  return {
    current,
    verification,
    published: [...verification].map(([keyId, key]) => ({
      keyId,
      algorithm: 'Ed25519' as const,
      publicKey: key.export({ type: 'spki', format: 'pem' }).toString(),
      current: keyId === current.keyId,
    })),
  };
}
