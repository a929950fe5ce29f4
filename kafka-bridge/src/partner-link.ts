import type { BridgeContext } from './bridge-context';
import fs from 'node:fs';
import { createsTopics, seedsMasterList } from './config';
import { ORGANISER_SIGNATURE_HEADER, signAsOrganiser } from './domain/message-signature';
import { positionsOf } from './data-access/ledger.repository';
import { masterListConsumer } from './entry-points/kafka/master-list.consumer';
import { ticketSalesConsumer } from './entry-points/kafka/ticket-sales.consumer';
import { consumeHoldChanges } from './entry-points/messaging/hold-changes.consumer';
import type { TopicConsumer } from './kafka/topic-consumer';

export type LinkPhase = 'connecting' | 'loading master list' | 'running' | 'stopped';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Brings the partner link up in the order the ledger needs, in the background so the
 * service answers health checks while the cluster is unreachable:
 * 1. the topics exist (created locally) and the ticket-sales partition count is known;
 * 2. the master list is read up to its current end, so every category has its capacity
 *    before any sale is judged against it;
 * 3. then the ticket-sales consumer and our outbound hold changes start.
 */
export class PartnerLink {
  phase: LinkPhase = 'connecting';
  private consumers: TopicConsumer[] = [];
  private stopped = false;
  private running: Promise<void> | undefined;

  constructor(private readonly context: BridgeContext) {}

  /** Resolves once the link runs (or the service stops first). */
  start(): Promise<void> {
    this.running ??= this.bringUp().catch((error) => {
      if (!this.stopped)
        this.context.runtime.logger.error({ err: error }, 'partner link failed to start');
    });
    return this.running;
  }

  private async bringUp() {
    const { runtime, admin, topics, layout } = this.context;
    const config = runtime.config;
    await this.retry('preparing the partner topics', async () => {
      if (createsTopics(config)) {
        await admin.ensureTopics([
          {
            topic: topics.masterList,
            numPartitions: 1,
            replicationFactor: config.KAFKA_TOPIC_REPLICATION_FACTOR,
          },
          {
            topic: topics.ticketSales,
            numPartitions: config.KAFKA_TICKET_SALES_PARTITIONS,
            replicationFactor: config.KAFKA_TOPIC_REPLICATION_FACTOR,
          },
          {
            topic: topics.deadLetter,
            numPartitions: 1,
            replicationFactor: config.KAFKA_TOPIC_REPLICATION_FACTOR,
          },
        ]);
      }
      layout.ticketSalesPartitions = await admin.partitionCount(topics.ticketSales);
    });
    if (seedsMasterList(config)) {
      await this.retry('publishing the local master list', () => this.seedMasterList());
    }
    if (this.stopped) return;

    this.phase = 'loading master list';
    const masterListEnds = await this.retry('reading the master list end', () =>
      admin.ends(topics.masterList),
    );
    this.consumers.push(masterListConsumer(this.context));
    this.consumers[0]?.start();
    while (!this.stopped) {
      const read = await positionsOf(runtime.pool, topics.masterList).catch(
        () => new Map<number, bigint>(),
      );
      if (masterListEnds.every((end) => (read.get(end.partition) ?? end.low) >= end.high)) break;
      await sleep(200);
    }
    if (this.stopped) return;
    runtime.logger.info({ topic: topics.masterList }, 'master list read up to its end');

    const sales = ticketSalesConsumer(this.context);
    this.consumers.push(sales);
    sales.start();
    await consumeHoldChanges(this.context, () => this.stopped);
    this.phase = 'running';
  }

  /** Local runs only: act as the organiser, once, on an empty master-list topic. */
  private async seedMasterList() {
    const { runtime, admin, topics, producer } = this.context;
    const ends = await admin.ends(topics.masterList);
    if (ends.some((end) => end.high > end.low)) return;
    const file = runtime.config.KAFKA_SEED_MASTER_LIST_FILE;
    const matches = JSON.parse(fs.readFileSync(file, 'utf8')) as { matchNumber?: unknown }[];
    const organiserKey = this.context.keys.localOrganiserPrivateKey;
    for (const match of matches) {
      const key = String(match.matchNumber);
      const value = JSON.stringify(match);
      await producer.send({
        topic: topics.masterList,
        key,
        value,
        // Signed like the organiser would, with the local organiser key of this installation.
        headers: {
          clientId: 'local-organiser',
          ...(organiserKey && {
            [ORGANISER_SIGNATURE_HEADER]: signAsOrganiser(organiserKey, {
              topic: topics.masterList,
              key,
              value,
            }),
          }),
        },
      });
    }
    runtime.logger.info(
      { file, matches: matches.length },
      'published the master list on the empty local topic',
    );
  }

  private async retry<T>(what: string, step: () => Promise<T>): Promise<T> {
    let delay = 500;
    for (;;) {
      try {
        return await step();
      } catch (error) {
        if (this.stopped) throw error;
        this.context.runtime.logger.warn(
          { err: error, retryInMs: delay },
          `${what} failed; retrying`,
        );
        await sleep(delay);
        delay = Math.min(delay * 2, 10_000);
      }
    }
  }

  /** Readiness: the link is up and the ticket-sales consumer is in its group. */
  async assertReady(): Promise<void> {
    if (this.phase !== 'running') throw new Error(this.phase);
    if (!this.consumers.every((c) => c.isJoined()))
      throw new Error('a partner consumer is not connected');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.phase = 'stopped';
    await Promise.all(this.consumers.map((c) => c.stop()));
  }
}
