CREATE TABLE tickets (
  id               uuid PRIMARY KEY,
  owner_id         uuid NOT NULL,
  -- The primary-sale order that issued it; resale orders appear on transfer events.
  order_id         uuid NOT NULL,
  seat_index       integer NOT NULL,
  match_number     integer NOT NULL REFERENCES matches (match_number),
  category         smallint NOT NULL,
  face_price_cents integer NOT NULL CHECK (face_price_cents >= 0),
  currency         char(3) NOT NULL,
  status           text NOT NULL DEFAULT 'valid' CHECK (status IN ('valid', 'listed', 'locked', 'checked_in', 'void')),
  version          integer NOT NULL DEFAULT 1,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  -- An order issues each seat once, whatever happens to the event that triggers it.
  UNIQUE (order_id, seat_index)
);
CREATE INDEX tickets_owner ON tickets (owner_id, match_number);

CREATE TABLE listings (
  id           uuid PRIMARY KEY,
  ticket_id    uuid NOT NULL REFERENCES tickets (id),
  seller_id    uuid NOT NULL,
  match_number integer NOT NULL,
  category     smallint NOT NULL,
  price_cents  integer NOT NULL CHECK (price_cents > 0),
  currency     char(3) NOT NULL,
  status       text NOT NULL CHECK (status IN ('active', 'locked', 'sold', 'withdrawn')),
  -- The order that locks (then buys) it; set exactly while locked or sold.
  order_id     uuid,
  buyer_id     uuid,
  version      integer NOT NULL DEFAULT 1,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  CHECK ((status IN ('locked', 'sold')) = (order_id IS NOT NULL))
);
-- One open listing per ticket, decided by the database so two racing requests cannot both list it.
CREATE UNIQUE INDEX listings_one_open_per_ticket ON listings (ticket_id) WHERE status IN ('active', 'locked');
CREATE INDEX listings_active_by_match ON listings (match_number, created_at) WHERE status = 'active';

-- One hold per order: the order id is the idempotency key of the hold request.
CREATE TABLE holds (
  order_id         uuid PRIMARY KEY,
  user_id          uuid NOT NULL,
  kind             text NOT NULL CHECK (kind IN ('primary', 'resale')),
  match_number     integer NOT NULL,
  category         smallint NOT NULL,
  quantity         integer NOT NULL CHECK (quantity > 0),
  unit_price_cents integer NOT NULL CHECK (unit_price_cents >= 0),
  currency         char(3) NOT NULL,
  ticket_id        uuid,
  listing_id       uuid,
  status           text NOT NULL DEFAULT 'held' CHECK (status IN ('held', 'released', 'sold')),
  version          integer NOT NULL DEFAULT 1,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind = 'resale') = (listing_id IS NOT NULL))
);
CREATE INDEX holds_open ON holds (match_number, category) WHERE status = 'held';
