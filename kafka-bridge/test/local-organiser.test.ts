import { randomBytes } from 'node:crypto';
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
      env: { KAFKA_SEED_MASTER_LIST: 'true' },
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
    expect(await readTopic(kafka.url, topics.masterList)).toHaveLength(64);
  });
});
