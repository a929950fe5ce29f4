CREATE TABLE matches (
  match_number integer PRIMARY KEY CHECK (match_number BETWEEN 1 AND 999),
  round_number integer NOT NULL,
  kick_off     timestamptz NOT NULL,
  venue        text NOT NULL,
  home_team    text NOT NULL,
  away_team    text NOT NULL,
  group_name   text,
  version      integer NOT NULL DEFAULT 1,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX matches_kick_off ON matches (kick_off, match_number);

-- One row per match category. `held`/`sold` are ours, `partner_*` are what partner platforms
-- told us over Kafka. The CHECKs make oversell impossible whatever the code does: a hold
-- that would exceed capacity fails in the database instead of being written.
CREATE TABLE inventory (
  match_number integer NOT NULL REFERENCES matches (match_number),
  category     smallint NOT NULL CHECK (category BETWEEN 1 AND 3),
  price_cents  integer NOT NULL CHECK (price_cents >= 0),
  currency     char(3) NOT NULL,
  capacity     integer NOT NULL CHECK (capacity >= 0),
  sold         integer NOT NULL DEFAULT 0 CHECK (sold >= 0),
  held         integer NOT NULL DEFAULT 0 CHECK (held >= 0),
  partner_held integer NOT NULL DEFAULT 0 CHECK (partner_held >= 0),
  partner_sold integer NOT NULL DEFAULT 0 CHECK (partner_sold >= 0),
  version      integer NOT NULL DEFAULT 1,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (match_number, category),
  CONSTRAINT inventory_no_oversell CHECK (sold + held + partner_held + partner_sold <= capacity)
);

-- Partner messages already applied, recorded in the same transaction as their effect.
CREATE TABLE applied_partner_messages (
  message_key  text PRIMARY KEY,
  action       text NOT NULL,
  match_number integer NOT NULL,
  category     smallint NOT NULL,
  quantity     integer NOT NULL,
  applied_at   timestamptz NOT NULL DEFAULT now()
);
