import { generateKeyPairSync, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { signCode, stepAt, verifyCode } from '../src/domain/ticket-code';
import { loadTicketCodeKeys } from '../src/ticket-code-keys';

const pem = () =>
  generateKeyPairSync('ed25519', {
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
const claims = {
  ticketId: randomUUID(),
  matchNumber: 12,
  category: 2,
  holderId: randomUUID(),
  version: 3,
};
const now = Date.now();
const options = { atMs: now, stepSeconds: 30 };

describe('ticket code keys', () => {
  test('when the signing key is rotated, then codes of the old key verify only while its public key is listed as previous', () => {
    const oldPair = pem();
    const newPair = pem();
    const before = loadTicketCodeKeys({
      NODE_ENV: 'production',
      TICKET_CODE_PRIVATE_KEY: oldPair.privateKey,
      JWT_KEYS_DIR: '/nonexistent',
    });
    const printedBefore = signCode(before.current, { ...claims, step: 0 });

    const rotated = loadTicketCodeKeys({
      NODE_ENV: 'production',
      // Secrets often carry PEMs with escaped newlines.
      TICKET_CODE_PRIVATE_KEY: newPair.privateKey.replace(/\n/g, '\\n'),
      TICKET_CODE_PREVIOUS_PUBLIC_KEYS: oldPair.publicKey,
      JWT_KEYS_DIR: '/nonexistent',
    });
    expect(rotated.current.keyId).not.toBe(before.current.keyId);
    expect(rotated.published.map((k) => [k.keyId, k.current])).toEqual([
      [rotated.current.keyId, true],
      [before.current.keyId, false],
    ]);
    expect(verifyCode(printedBefore, rotated.verification, options).ok).toBe(true);
    const fresh = signCode(rotated.current, { ...claims, step: stepAt(now, 30) });
    expect(verifyCode(fresh, rotated.verification, options)).toMatchObject({
      ok: true,
      claims: { keyId: rotated.current.keyId },
    });

    const retired = loadTicketCodeKeys({
      NODE_ENV: 'production',
      TICKET_CODE_PRIVATE_KEY: newPair.privateKey,
      JWT_KEYS_DIR: '/x',
    });
    expect(verifyCode(printedBefore, retired.verification, options)).toEqual({
      ok: false,
      reason: 'code_unknown_key',
    });
  });

  test('when production has no key, or the key is not Ed25519, then start-up stops with the reason', () => {
    expect(() => loadTicketCodeKeys({ NODE_ENV: 'production', JWT_KEYS_DIR: '/x' })).toThrow(
      /TICKET_CODE_PRIVATE_KEY is required/,
    );
    const ec = generateKeyPairSync('ec', {
      namedCurve: 'P-256',
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    expect(() =>
      loadTicketCodeKeys({
        NODE_ENV: 'production',
        TICKET_CODE_PRIVATE_KEY: ec.privateKey,
        JWT_KEYS_DIR: '/x',
      }),
    ).toThrow(/must be an Ed25519 key/);
  });

  test('when a local installation starts twice, then it makes one key on first use and keeps it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'code-keys-'));
    try {
      const first = loadTicketCodeKeys({ NODE_ENV: 'development', JWT_KEYS_DIR: dir });
      const second = loadTicketCodeKeys({ NODE_ENV: 'development', JWT_KEYS_DIR: dir });
      expect(second.current.keyId).toBe(first.current.keyId);
      expect(fs.statSync(path.join(dir, 'ticket-code-private.pem')).mode & 0o077).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('when a live code is one step old it still verifies, and two steps old it has expired', () => {
    const keys = loadTicketCodeKeys({
      NODE_ENV: 'production',
      TICKET_CODE_PRIVATE_KEY: pem().privateKey,
      JWT_KEYS_DIR: '/x',
    });
    const step = stepAt(now, 30);
    expect(
      verifyCode(signCode(keys.current, { ...claims, step: step - 1 }), keys.verification, options)
        .ok,
    ).toBe(true);
    expect(
      verifyCode(signCode(keys.current, { ...claims, step: step - 2 }), keys.verification, options),
    ).toEqual({ ok: false, reason: 'code_expired' });
    expect(
      verifyCode(signCode(keys.current, { ...claims, step: step + 2 }), keys.verification, options),
    ).toEqual({ ok: false, reason: 'code_expired' });
  });
});
