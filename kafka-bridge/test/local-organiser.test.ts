import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eventually } from '@ticketaka/common/testing';
import { kafkaServer } from '../../infra/src/servers/kafka.server';
import type { RunningServer } from '../../infra/src/servers/server';
import {
  ledgerOf,
  networkTopics,
  readTopic,
  startPlatform,
  type Platform,
} from './support/partner-network';

describe('local runs: the bridge plays the organiser on an empty master-list topic', () => {
  let kafka: RunningServer;
  let platform: Platform;
  const topics = networkTopics(`organiser-${randomBytes(4).toString('hex')}`);

  beforeAll(async () => {
    kafka = await kafkaServer.ensure();
    platform = await startPlatform('bridge organiser', {
      clientId: 'ticketaka',
      brokers: kafka.url,
      topics,
      // No keys given: the installation makes its own signing key and local organiser key, in a
      // keys directory of this test's own, and signs the list it seeds with the organiser's.
      env: {
        KAFKA_SEED_MASTER_LIST: 'true',
        KAFKA_ORGANISER_PUBLIC_KEY: undefined,
        PARTNER_SIGNING_KEY: undefined,
        JWT_KEYS_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'ticketaka-keys-')),
      },
    });
  }, 180_000);

  afterAll(async () => {
    await platform?.close();
    if (kafka?.started) await kafka.stop();
  });

  it('when the bridge starts on empty topics, then it creates them, publishes the 64 matches once, and the catalogue comes from the topic', async () => {
    await eventually(async () => {
      const response = await fetch(`${platform.tickets.url}/api/matches`);
      expect(((await response.json()) as { matches: unknown[] }).matches).toHaveLength(64);
    }, 30_000);
    expect((await ledgerOf(platform, 1)).ledger.map((c) => c.capacity)).toEqual([5, 20, 20]);

    // A restart finds the topic filled and publishes nothing more.
    await platform.bridge.close();
    await platform.startBridge();
    const seeded = await readTopic(kafka.url, topics.masterList);
    expect(seeded).toHaveLength(64);
    for (const message of seeded) expect(message.headers.organiserSignature).toMatch(/^v1:/);
    const keys = fs.readdirSync(platform.env.env.JWT_KEYS_DIR as string);
    // The keys folder is shared with the other services' local keys (JWT, ticket codes).
    expect(keys).toEqual(expect.arrayContaining(['organiser-ed25519.pem', 'partner-signing.key']));
    const mode = fs.statSync(
      path.join(platform.env.env.JWT_KEYS_DIR as string, 'partner-signing.key'),
    ).mode;
    expect(mode & 0o077).toBe(0);
  });
});
