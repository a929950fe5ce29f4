-- The sandbox provider's own books: what Stripe keeps on its side, kept here for local runs.
-- Payments' code only reaches these tables through the sandbox provider.
CREATE TABLE sandbox_intents (
  id              text PRIMARY KEY,
  idempotency_key text NOT NULL UNIQUE,
  amount_cents    integer NOT NULL,
  currency        char(3) NOT NULL,
  metadata        jsonb NOT NULL,
  status          text NOT NULL CHECK (status IN ('requires_payment_method', 'succeeded', 'canceled')),
  last_error_code text,
  amount_refunded integer NOT NULL DEFAULT 0,
  created_at      timestamptz NOT NULL DEFAULT now()
);

-- Every confirmation (a card presented), keyed by its idempotency key: a replay answers
-- from here instead of charging again. Only the outcome is kept, never the card.
CREATE TABLE sandbox_charges (
  idempotency_key text PRIMARY KEY,
  intent_id       text NOT NULL REFERENCES sandbox_intents (id),
  outcome         text NOT NULL CHECK (outcome IN ('succeeded', 'declined')),
  decline_code    text,
  message         text,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sandbox_charges_intent ON sandbox_charges (intent_id);

CREATE TABLE sandbox_refunds (
  id              text PRIMARY KEY,
  idempotency_key text NOT NULL UNIQUE,
  intent_id       text NOT NULL REFERENCES sandbox_intents (id),
  amount_cents    integer NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);

-- Webhooks waiting to be delivered, written with the change they announce and retried until
-- the webhook route answers 2xx, as Stripe does.
CREATE TABLE sandbox_webhooks (
  id              text PRIMARY KEY,
  type            text NOT NULL,
  payload         text NOT NULL,
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  delivered_at    timestamptz,
  last_error      text,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sandbox_webhooks_pending ON sandbox_webhooks (next_attempt_at) WHERE delivered_at IS NULL;
