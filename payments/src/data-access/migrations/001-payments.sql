-- What payments knows about orders, rebuilt from orders' events (applied in version order).
-- Amount and currency are taken from here, never from the client.
CREATE TABLE orders (
  id           uuid PRIMARY KEY,
  user_id      uuid NOT NULL,
  amount_cents integer NOT NULL CHECK (amount_cents >= 0),
  currency     char(3) NOT NULL,
  status       text NOT NULL,
  expires_at   timestamptz NOT NULL,
  version      integer NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- One row per order: the primary key of "charged at most once". A declined card makes the
-- row `failed` and the next attempt reuses it with attempt + 1; it never becomes two rows.
CREATE TABLE payments (
  id                  uuid PRIMARY KEY,
  order_id            uuid NOT NULL UNIQUE,
  user_id             uuid NOT NULL,
  amount_cents        integer NOT NULL CHECK (amount_cents >= 0),
  currency            char(3) NOT NULL,
  provider            text NOT NULL CHECK (provider IN ('stripe', 'sandbox')),
  status              text NOT NULL CHECK (status IN ('processing', 'failed', 'succeeded', 'refund_pending', 'refunded')),
  attempt             integer NOT NULL DEFAULT 1,
  attempt_started_at  timestamptz NOT NULL DEFAULT now(),
  -- Bumped when the provider cancels the order's intent, so the next attempt gets a new one.
  intent_generation   integer NOT NULL DEFAULT 1,
  provider_payment_id text,
  failure_code        text,
  failure_reason      text,
  succeeded_at        timestamptz,
  refund_code         text,
  refund_reason       text,
  provider_refund_id  text,
  refund_requested_at timestamptz,
  refunded_at         timestamptz,
  -- Counts announced changes (payments.payment.* events), so consumers can order them.
  version             integer NOT NULL DEFAULT 0,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payments_provider_payment_id ON payments (provider_payment_id);
CREATE INDEX payments_refund_pending ON payments (refund_requested_at) WHERE status = 'refund_pending';

-- Provider webhook events already applied; recorded in the same transaction as their effect,
-- so a replayed webhook changes nothing. Provider ids are not UUIDs, hence not processed_events.
CREATE TABLE provider_events (
  id          text PRIMARY KEY,
  provider    text NOT NULL,
  type        text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
