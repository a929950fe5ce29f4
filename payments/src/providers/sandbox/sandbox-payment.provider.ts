import { randomBytes } from 'node:crypto';
import { inTransaction, type Pool, type PoolClient } from '@ticketaka/common';
import {
  INTENT_METADATA,
  type ConfirmOutcome,
  type ConfirmRequest,
  type EnsureIntentRequest,
  type IntentStatus,
  type PaymentProvider,
  type ProviderIntent,
  type RefundRequest,
} from '../../domain/payment-provider';
import { decideTestCard } from './test-cards';
import type { SandboxWebhookSender } from './sandbox-webhook.sender';

export const SANDBOX_MODE = 'TEST MODE (sandbox)';

interface IntentRow {
  id: string;
  idempotency_key: string;
  amount_cents: number;
  currency: string;
  metadata: Record<string, string>;
  status: IntentStatus;
  last_error_code: string | null;
  amount_refunded: number;
  created_at: Date;
}

const newId = (prefix: string) => `${prefix}_sandbox_${randomBytes(12).toString('hex')}`;

/**
 * A stand-in for Stripe's test mode for local runs: the same per-order intents and
 * idempotency keys, Stripe's test cards, and Stripe-format webhooks signed with Stripe's
 * scheme and delivered to the same webhook route, late and more than once like Stripe's.
 * Its books live in its own `sandbox_*` tables, written in its own transactions, so a crash
 * between "charged" and "recorded by payments" is as real here as with Stripe.
 */
export class SandboxPaymentProvider implements PaymentProvider {
  readonly name = 'sandbox' as const;
  readonly mode = SANDBOX_MODE;
  readonly acceptsMethod = 'card' as const;

  constructor(
    private readonly pool: Pool,
    readonly webhookSecret: string,
    private readonly webhooks: SandboxWebhookSender,
    private readonly webhookDelayMs: number,
  ) {}

  async ensureIntent(request: EnsureIntentRequest): Promise<ProviderIntent> {
    await this.pool.query(
      `INSERT INTO sandbox_intents (id, idempotency_key, amount_cents, currency, metadata, status)
       VALUES ($1, $2, $3, $4, $5, 'requires_payment_method') ON CONFLICT (idempotency_key) DO NOTHING`,
      [
        newId('pi'),
        request.idempotencyKey,
        request.amountCents,
        request.currency,
        {
          [INTENT_METADATA.orderId]: request.orderId,
          [INTENT_METADATA.paymentId]: request.paymentId,
          ticketaka_user_id: request.userId,
        },
      ],
    );
    const { rows } = await this.pool.query<IntentRow>(
      'SELECT * FROM sandbox_intents WHERE idempotency_key = $1',
      [request.idempotencyKey],
    );
    const intent = rows[0]!;
    if (intent.amount_cents !== request.amountCents || intent.currency !== request.currency) {
      // What Stripe answers when one idempotency key is reused with other parameters.
      throw new Error(
        `sandbox: idempotency key ${request.idempotencyKey} was used with another amount`,
      );
    }
    return { id: intent.id, status: intent.status };
  }

  async confirm(request: ConfirmRequest): Promise<ConfirmOutcome> {
    if (request.method.kind !== 'card') throw new Error('the sandbox takes test card details');
    const card = request.method;
    const outcome = await inTransaction(this.pool, async (client): Promise<ConfirmOutcome> => {
      const { rows } = await client.query<IntentRow>(
        'SELECT * FROM sandbox_intents WHERE id = $1 FOR UPDATE',
        [request.intentId],
      );
      const intent = rows[0];
      if (!intent) throw new Error(`sandbox: no payment intent ${request.intentId}`);

      const replay = await client.query<{
        outcome: 'succeeded' | 'declined';
        decline_code: string | null;
        message: string | null;
      }>('SELECT outcome, decline_code, message FROM sandbox_charges WHERE idempotency_key = $1', [
        request.idempotencyKey,
      ]);
      const previous = replay.rows[0];
      if (previous) {
        return previous.outcome === 'succeeded'
          ? { outcome: 'accepted', intent: { id: intent.id, status: intent.status } }
          : {
              outcome: 'declined',
              intentId: intent.id,
              code: previous.decline_code ?? 'card_declined',
              message: previous.message ?? '',
            };
      }
      // An intent succeeds once; confirming it again never takes money again.
      if (intent.status === 'succeeded')
        return { outcome: 'accepted', intent: { id: intent.id, status: intent.status } };
      if (intent.status === 'canceled') {
        return {
          outcome: 'declined',
          intentId: intent.id,
          code: 'payment_canceled',
          message: 'The payment was cancelled.',
        };
      }

      const decision = decideTestCard(card, new Date());
      const succeeded = decision.outcome === 'succeeded';
      await client.query(
        `INSERT INTO sandbox_charges (idempotency_key, intent_id, outcome, decline_code, message) VALUES ($1, $2, $3, $4, $5)`,
        [
          request.idempotencyKey,
          intent.id,
          decision.outcome,
          succeeded ? null : decision.code,
          succeeded ? null : decision.message,
        ],
      );
      const status: IntentStatus = succeeded ? 'succeeded' : 'requires_payment_method';
      const lastError = succeeded ? null : decision.code;
      await client.query(
        'UPDATE sandbox_intents SET status = $2, last_error_code = $3 WHERE id = $1',
        [intent.id, status, lastError],
      );
      const updated: IntentRow = { ...intent, status, last_error_code: lastError };
      await this.enqueueWebhook(
        client,
        succeeded ? 'payment_intent.succeeded' : 'payment_intent.payment_failed',
        intentObject(
          updated,
          succeeded ? null : { code: decision.code, message: decision.message },
        ),
        request.idempotencyKey,
      );
      return succeeded
        ? { outcome: 'accepted', intent: { id: intent.id, status } }
        : {
            outcome: 'declined',
            intentId: intent.id,
            code: decision.code,
            message: decision.message,
          };
    });
    this.webhooks.kick();
    return outcome;
  }

  async refund(request: RefundRequest): Promise<{ refundId: string }> {
    const refundId = await inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<IntentRow>(
        'SELECT * FROM sandbox_intents WHERE id = $1 FOR UPDATE',
        [request.intentId],
      );
      const intent = rows[0];
      if (!intent) throw new Error(`sandbox: no payment intent ${request.intentId}`);
      const existing = await client.query<{ id: string }>(
        'SELECT id FROM sandbox_refunds WHERE idempotency_key = $1',
        [request.idempotencyKey],
      );
      if (existing.rows[0]) return existing.rows[0].id;
      if (intent.status !== 'succeeded')
        throw new Error(`sandbox: intent ${intent.id} has no successful charge to refund`);
      if (intent.amount_refunded >= intent.amount_cents)
        throw new Error(`sandbox: intent ${intent.id} is already refunded`);
      const id = newId('re');
      await client.query(
        'INSERT INTO sandbox_refunds (id, idempotency_key, intent_id, amount_cents) VALUES ($1, $2, $3, $4)',
        [id, request.idempotencyKey, intent.id, intent.amount_cents],
      );
      await client.query(
        'UPDATE sandbox_intents SET amount_refunded = amount_cents WHERE id = $1',
        [intent.id],
      );
      await this.enqueueWebhook(
        client,
        'charge.refunded',
        {
          id: `ch_${intent.id.slice(3)}`,
          object: 'charge',
          amount: intent.amount_cents,
          amount_refunded: intent.amount_cents,
          currency: intent.currency.toLowerCase(),
          payment_intent: intent.id,
          refunded: true,
          metadata: intent.metadata,
        },
        request.idempotencyKey,
      );
      return id;
    });
    this.webhooks.kick();
    return { refundId };
  }

  async close(): Promise<void> {
    await this.webhooks.stop();
  }

  private async enqueueWebhook(
    client: PoolClient,
    type: string,
    object: Record<string, unknown>,
    idempotencyKey: string,
  ) {
    const id = newId('evt');
    const event = {
      id,
      object: 'event',
      type,
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: idempotencyKey },
      data: { object },
    };
    await client.query(
      `INSERT INTO sandbox_webhooks (id, type, payload, next_attempt_at)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4::float8 / 1000))`,
      [id, type, JSON.stringify(event), this.webhookDelayMs],
    );
  }
}

function intentObject(intent: IntentRow, error: { code: string; message: string } | null) {
  return {
    id: intent.id,
    object: 'payment_intent',
    amount: intent.amount_cents,
    amount_received: intent.status === 'succeeded' ? intent.amount_cents : 0,
    currency: intent.currency.toLowerCase(),
    status: intent.status,
    created: Math.floor(intent.created_at.getTime() / 1000),
    livemode: false,
    metadata: intent.metadata,
    last_payment_error: error && {
      type: 'card_error',
      code: error.code === 'insufficient_funds' ? 'card_declined' : error.code,
      decline_code: error.code,
      message: error.message,
    },
  };
}
