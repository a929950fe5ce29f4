import { Client } from 'pg';
import type { Logger } from 'pino';
import { bellChannel } from '../../domain/notify';

type Listener = (notificationId: string) => void;

/**
 * Every replica LISTENs on the bell channel with a connection of its own (not from the
 * pool), so a notification committed by any replica reaches the fan's stream wherever it
 * is open. The pool never holds LISTEN state.
 */
export class BellFeed {
  private client: Client | undefined;
  private readonly listeners = new Map<string, Set<Listener>>();
  private stopped = false;

  constructor(
    private readonly databaseUrl: string,
    private readonly schema: string,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const client = new Client({ connectionString: this.databaseUrl });
    client.on('notification', (message) => {
      try {
        const { userId, id } = JSON.parse(message.payload ?? '{}') as {
          userId: string;
          id: string;
        };
        for (const listener of this.listeners.get(userId) ?? []) listener(id);
      } catch (err) {
        this.logger.warn({ err }, 'unreadable bell notification');
      }
    });
    client.on('error', (err) => {
      this.logger.warn({ err }, 'bell feed connection lost; reconnecting');
      this.client = undefined;
      if (!this.stopped) setTimeout(() => void this.start().catch(() => undefined), 1000);
    });
    await client.connect();
    await client.query(`LISTEN ${bellChannel(this.schema)}`);
    this.client = client;
  }

  listen(userId: string, listener: Listener): () => void {
    const set = this.listeners.get(userId) ?? new Set();
    set.add(listener);
    this.listeners.set(userId, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(userId);
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.client?.end().catch(() => undefined);
  }
}
