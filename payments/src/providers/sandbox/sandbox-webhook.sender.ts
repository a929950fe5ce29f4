import type { Logger } from 'pino';
import type { Pool } from '@ticketaka/common';
import { signWebhookPayload } from './webhook-signature';

interface DueWebhook {
  id: string;
  payload: string;
  attempts: number;
}

/**
 * Delivers the sandbox's webhooks over HTTP to the webhook route, signed at send time as
 * Stripe does, and retries with back-off until it answers 2xx. Rows are claimed by pushing
 * their next attempt forward, so replicas and restarts share the work without a long
 * transaction; a crash after sending and before marking re-sends (the route de-duplicates).
 */
export class SandboxWebhookSender {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private targetUrl?: string;

  constructor(
    private readonly pool: Pool,
    private readonly secret: string,
    private readonly logger: Logger,
    private readonly pollMs = 200,
  ) {}

  start(targetUrl: string): void {
    this.targetUrl = targetUrl;
    this.timer = setInterval(() => this.kick(), this.pollMs);
    this.kick();
  }

  kick(): void {
    if (!this.targetUrl) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        const url = this.targetUrl;
        if (url)
          await this.deliverDue(url).catch((err: unknown) =>
            this.logger.warn({ err }, 'sandbox webhook round failed'),
          );
      } while (this.again && this.targetUrl);
    })().finally(() => {
      this.running = undefined;
    });
  }

  async stop(): Promise<void> {
    this.targetUrl = undefined;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  private async deliverDue(url: string): Promise<void> {
    const { rows } = await this.pool.query<DueWebhook>(
      `UPDATE sandbox_webhooks SET attempts = attempts + 1, next_attempt_at = now() + interval '30 seconds'
       WHERE id IN (
         SELECT id FROM sandbox_webhooks WHERE delivered_at IS NULL AND next_attempt_at <= now()
         ORDER BY created_at LIMIT 20 FOR UPDATE SKIP LOCKED)
       RETURNING id, payload, attempts`,
    );
    await Promise.all(rows.map((row) => this.deliver(url, row)));
  }

  private async deliver(url: string, webhook: DueWebhook): Promise<void> {
    let problem: string | undefined;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'stripe-signature': signWebhookPayload(webhook.payload, this.secret),
        },
        body: webhook.payload,
        signal: AbortSignal.timeout(10_000),
      });
      await response.arrayBuffer();
      if (!response.ok) problem = `HTTP ${response.status}`;
    } catch (error) {
      problem = (error as Error).message;
    }
    if (!problem) {
      await this.pool.query(
        'UPDATE sandbox_webhooks SET delivered_at = now(), last_error = NULL WHERE id = $1',
        [webhook.id],
      );
      return;
    }
    const backoffMs = Math.min(500 * 2 ** (webhook.attempts - 1), 60_000);
    this.logger.warn(
      { webhookId: webhook.id, attempts: webhook.attempts, problem, retryInMs: backoffMs },
      'sandbox webhook not accepted',
    );
    await this.pool.query(
      `UPDATE sandbox_webhooks SET last_error = $2, next_attempt_at = now() + make_interval(secs => $3::float8 / 1000) WHERE id = $1`,
      [webhook.id, problem, backoffMs],
    );
  }
}
