CREATE TABLE orders (
  id               uuid PRIMARY KEY,
  user_id          uuid NOT NULL,
  kind             text NOT NULL CHECK (kind IN ('primary', 'resale')),
  -- A resale order learns its match and category from tickets' hold answer.
  match_number     integer,
  category         smallint,
  quantity         integer NOT NULL CHECK (quantity > 0),
  ticket_id        uuid,
  listing_id       uuid,
  unit_price_cents integer NOT NULL DEFAULT 0 CHECK (unit_price_cents >= 0),
  amount_cents     integer NOT NULL DEFAULT 0 CHECK (amount_cents >= 0),
  currency         char(3) NOT NULL DEFAULT 'USD',
  status           text NOT NULL DEFAULT 'created'
                   CHECK (status IN ('created', 'awaiting_payment', 'complete', 'cancelled', 'expired')),
  cancel_reason    text,
  payment_id       uuid,
  expires_at       timestamptz NOT NULL,
  version          integer NOT NULL DEFAULT 0,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CHECK (kind = 'resale' OR (match_number IS NOT NULL AND category IS NOT NULL AND ticket_id IS NULL)),
  CHECK (kind = 'primary' OR (ticket_id IS NOT NULL AND quantity = 1)),
  -- Once tickets has answered, the order knows exactly what it holds.
  CHECK (status IN ('created', 'cancelled') OR (match_number IS NOT NULL AND category IS NOT NULL)),
  CHECK ((status = 'complete') = (payment_id IS NOT NULL))
);

CREATE INDEX orders_by_user ON orders (user_id, created_at DESC);
CREATE INDEX orders_by_created ON orders (created_at DESC);
-- The per-fan limit sums these rows under an advisory lock.
CREATE INDEX orders_fan_match ON orders (user_id, match_number)
  WHERE status IN ('created', 'awaiting_payment', 'complete');
-- The sweeper's two look-ups.
CREATE INDEX orders_due ON orders (expires_at) WHERE status = 'awaiting_payment';
CREATE INDEX orders_unconfirmed ON orders (created_at) WHERE status = 'created';

-- A retried POST with the same key finds its order here. The primary key decides between
-- concurrent retries; the foreign key is checked at commit so the key can be claimed first.
CREATE TABLE idempotency_keys (
  user_id      uuid NOT NULL,
  key          text NOT NULL,
  request_hash text NOT NULL,
  order_id     uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_by_order ON idempotency_keys (order_id);
