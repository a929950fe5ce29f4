import type { Admin, Kafka } from 'kafkajs';

/** One admin connection, opened on first use and reopened after a failure. */
export class KafkaAdmin {
  private admin: Promise<Admin> | undefined;

  constructor(private readonly kafka: Kafka) {}

  get = (): Promise<Admin> => {
    this.admin ??= (async () => {
      const admin = this.kafka.admin({
        retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 1_000 },
      });
      try {
        await admin.connect();
        return admin;
      } catch (error) {
        this.admin = undefined;
        await admin.disconnect().catch(() => undefined);
        throw error;
      }
    })();
    return this.admin;
  };

  /** Runs one admin call; a failure drops the connection so the next call reconnects. */
  async use<T>(call: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = await this.get();
    try {
      return await call(admin);
    } catch (error) {
      if (this.admin) {
        const stale = this.admin;
        this.admin = undefined;
        await stale.then((a) => a.disconnect()).catch(() => undefined);
      }
      throw error;
    }
  }

  /** Creates what is missing (local runs and tests); existing topics are left as they are. */
  async ensureTopics(
    topics: { topic: string; numPartitions: number; replicationFactor: number }[],
  ): Promise<void> {
    await this.use(async (admin) => {
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((t) => !existing.has(t.topic));
      if (missing.length === 0) return;
      await admin.createTopics({
        topics: missing,
        waitForLeaders: true,
      });
    });
  }

  async partitionCount(topic: string): Promise<number> {
    return this.use(async (admin) => {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      const count = topics[0]?.partitions.length ?? 0;
      if (count === 0) throw new Error(`topic ${topic} has no partitions`);
      return count;
    });
  }

  /** Per partition: the first offset still stored and the next offset to be written. */
  async ends(topic: string): Promise<{ partition: number; low: bigint; high: bigint }[]> {
    return this.use(async (admin) =>
      (await admin.fetchTopicOffsets(topic)).map((o) => ({
        partition: o.partition,
        low: BigInt(o.low),
        high: BigInt(o.high),
      })),
    );
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.then((a) => a.disconnect()).catch(() => undefined);
  }
}
