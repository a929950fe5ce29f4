import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { Logger } from 'pino';

export interface OutgoingRecord {
  topic: string;
  key: string;
  /** Set for ticket-sales messages, so every category lands on its canonical partition. */
  partition?: number;
  value: string;
  headers: Record<string, string>;
}

/**
 * One idempotent producer (acks from all in-sync replicas, one request in flight, so the
 * broker drops a retried batch it already wrote). A failed send throws quickly and drops the
 * producer, so the next send starts a fresh session after a broker restart instead of
 * inheriting stale sequence numbers.
 */
export class PartnerProducer {
  private producer: Promise<Producer> | undefined;
  private closed = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly logger: Logger,
    private readonly timeoutMs: number,
  ) {}

  private connected(): Promise<Producer> {
    if (this.closed) return Promise.reject(new Error('the partner producer is closed'));
    this.producer ??= (async () => {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 },
      });
      await producer.connect();
      return producer;
    })();
    return this.producer;
  }

  async send(record: OutgoingRecord): Promise<{ partition: number; offset: string }> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const sent = (async () => {
        const producer = await this.connected();
        const [metadata] = await producer.send({
          topic: record.topic,
          acks: -1,
          timeout: this.timeoutMs,
          messages: [
            {
              key: record.key,
              partition: record.partition,
              value: record.value,
              headers: record.headers,
            },
          ],
        });
        if (!metadata) throw new Error('the broker returned no record metadata');
        return {
          partition: metadata.partition,
          offset: metadata.baseOffset ?? metadata.offset ?? '-1',
        };
      })();
      // A send that loses the race against the timer must not surface as an unhandled rejection.
      sent.catch(() => undefined);
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no acknowledgement within ${this.timeoutMs} ms`)),
          this.timeoutMs,
        );
      });
      return await Promise.race([sent, timedOut]);
    } catch (error) {
      this.logger.warn(
        { err: error, topic: record.topic },
        'produce failed; the producer will reconnect',
      );
      await this.reset();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private async reset() {
    const previous = this.producer;
    this.producer = undefined;
    await previous?.then((p) => p.disconnect()).catch(() => undefined);
  }

  async close() {
    this.closed = true;
    await this.reset();
  }
}
