import { generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  formatSeen,
  parseSeen,
  sign,
  signAsOrganiser,
  SIGNATURE_HEADER,
  verify,
  verifyOrganiser,
} from '../src/domain/message-signature';
import { decodeValue, keepValue, sanitizeHeaders } from '../src/domain/raw-message';

const key = randomBytes(32);
const message = {
  topic: 'sales',
  partition: 1,
  key: '10-1',
  value: '{"meta":{"action":"TICKET_PENDING"}}',
  headers: {
    clientId: 'ticketaka',
    eventId: 'e',
    holdId: 'h',
    ticketakaSentAt: '1',
    ticketakaSeen: '0:4',
  },
};
const signed = {
  ...message,
  headers: { ...message.headers, [SIGNATURE_HEADER]: sign(key, message) },
};

describe('signatures on our messages and on the master list', () => {
  it('when nothing changed, then our signature verifies', () => {
    expect(verify(key, signed)).toBe(true);
  });

  it('when the partition, key, value, a signed header or the key changes, or there is no signature, then it does not verify', () => {
    expect(verify(key, { ...signed, partition: 2 })).toBe(false);
    expect(verify(key, { ...signed, key: '10' })).toBe(false);
    expect(verify(key, { ...signed, value: signed.value.replace('PENDING', 'CANCELLED') })).toBe(
      false,
    );
    for (const name of ['clientId', 'eventId', 'holdId', 'ticketakaSentAt', 'ticketakaSeen'])
      expect(verify(key, { ...signed, headers: { ...signed.headers, [name]: 'x' } })).toBe(false);
    expect(verify(randomBytes(32), signed)).toBe(false);
    expect(verify(key, message)).toBe(false);
    expect(
      verify(key, { ...signed, headers: { ...signed.headers, [SIGNATURE_HEADER]: 'v1:AAAA' } }),
    ).toBe(false);
  });

  it("when a master-list message is signed with the organiser's key, then only that key verifies it", () => {
    const organiser = generateKeyPairSync('ed25519');
    const other = generateKeyPairSync('ed25519');
    const target = { topic: 'ml', key: '1', value: '{"matchNumber":1}' };
    const pem = organiser.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const signature = signAsOrganiser(pem, target);
    expect(verifyOrganiser(organiser.publicKey, { ...target, signature })).toBe(true);
    expect(verifyOrganiser(other.publicKey, { ...target, signature })).toBe(false);
    expect(
      verifyOrganiser(organiser.publicKey, { ...target, value: '{"matchNumber":2}', signature }),
    ).toBe(false);
    expect(verifyOrganiser(organiser.publicKey, { ...target, signature: undefined })).toBe(false);
  });

  it('when read positions are written and read back, then they are the same; garbage pairs are ignored', () => {
    const seen = new Map([
      [2, 7n],
      [0, 12n],
    ]);
    expect(formatSeen(seen)).toBe('0:12,2:7');
    expect(parseSeen(formatSeen(seen))).toEqual(
      new Map([
        [0, 12n],
        [2, 7n],
      ]),
    );
    expect(parseSeen('0:1,x:2,3:-1,4:5')).toEqual(
      new Map([
        [0, 1n],
        [4, 5n],
      ]),
    );
  });
});

describe('hostile bytes', () => {
  it('when a value has NUL bytes, invalid UTF-8 or is too large, then it is refused before parsing', () => {
    expect(decodeValue(Buffer.from('a\u0000b'))).toMatchObject({
      ok: false,
      code: 'invalid_encoding',
    });
    expect(decodeValue(Buffer.from([0xc3, 0x28]))).toMatchObject({
      ok: false,
      code: 'invalid_encoding',
    });
    expect(decodeValue(Buffer.alloc(1_000_000, 'a'))).toMatchObject({
      ok: false,
      code: 'too_large',
    });
    expect(decodeValue(Buffer.from('{"ok":"é"}'))).toEqual({ ok: true, text: '{"ok":"é"}' });
  });

  it('when a value is kept, then at most 16 KiB of it is stored, with its size and the digest of the whole', () => {
    const kept = keepValue(Buffer.alloc(1_000_000, 0));
    expect(kept).toMatchObject({ size: 1_000_000, truncated: true, text: null });
    expect(kept.bytes?.length).toBe(16 * 1024);
    expect(kept.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(keepValue(Buffer.from('a\u0000')).text).toBeNull();
    expect(keepValue(Buffer.from('plain')).text).toBe('plain');
  });

  it('when headers carry NUL or invalid bytes, then they become base64 text that can never equal an identity', () => {
    const headers = sanitizeHeaders({
      clientId: Buffer.from('ticketaka\u0000'),
      'x\u0000': Buffer.from([0xff]),
      ok: Buffer.from('fine'),
    });
    expect(headers.clientId).toMatch(/^base64:/);
    expect(headers.ok).toBe('fine');
    expect(Object.keys(headers).every((name) => !name.includes('\u0000'))).toBe(true);
  });
});
