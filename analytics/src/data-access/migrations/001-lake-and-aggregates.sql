-- Events accepted by the ingester (inbox: processed_events) and not yet in a Parquet file.
-- `lake` names the lake they go to: 'live', or a rebuild's own id.
CREATE TABLE staged_events (
  seq            bigserial PRIMARY KEY,
  lake           text NOT NULL,
  event_id       uuid NOT NULL,
  type           text NOT NULL,
  occurred_at    timestamptz NOT NULL,
  schema_version integer NOT NULL,
  stream_seq     bigint NOT NULL,
  payload        jsonb NOT NULL,
  batch_id       bigint
);
CREATE INDEX staged_events_unbatched ON staged_events (lake, seq) WHERE batch_id IS NULL;
CREATE INDEX staged_events_batch ON staged_events (batch_id);

-- One row per set of Parquet files written; a batch without written_at is rewritten, under
-- the same file names, after a crash, so a row is in the lake once whatever happens.
CREATE TABLE lake_batches (
  id         bigserial PRIMARY KEY,
  lake       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  written_at timestamptz,
  row_count  integer,
  files      text[]
);

-- Compactions in progress: inputs are deleted only once the output exists.
CREATE TABLE lake_compactions (
  id         bigserial PRIMARY KEY,
  lake       text NOT NULL,
  output     text NOT NULL,
  inputs     text[] NOT NULL,
  done_at    timestamptz
);

-- The aggregate store behind the live statistics, kept current by the ingester.
CREATE TABLE matches (
  match_number integer PRIMARY KEY,
  round_number integer NOT NULL,
  kick_off     timestamptz NOT NULL,
  venue        text NOT NULL,
  home_team    text NOT NULL,
  away_team    text NOT NULL,
  group_name   text,
  version      integer NOT NULL
);

CREATE TABLE category_stats (
  match_number     integer NOT NULL,
  category         smallint NOT NULL,
  capacity         integer NOT NULL DEFAULT 0,
  available        integer NOT NULL DEFAULT 0,
  pending          integer NOT NULL DEFAULT 0,
  price_cents      integer NOT NULL DEFAULT 0,
  currency         char(3) NOT NULL DEFAULT 'USD',
  state            text NOT NULL DEFAULT 'available',
  inventory_version integer NOT NULL DEFAULT -1,
  -- Ours, from tickets.hold.*: sums commute, so arrival order does not matter.
  held             integer NOT NULL DEFAULT 0,
  sold             integer NOT NULL DEFAULT 0,
  revenue_cents    bigint NOT NULL DEFAULT 0,
  first_hold_at    timestamptz,
  sold_out_at      timestamptz,
  PRIMARY KEY (match_number, category)
);

-- The purchase funnel: stage tried | held | paid | expired | cancelled | refused, by reason.
CREATE TABLE funnel (
  stage  text NOT NULL,
  reason text NOT NULL DEFAULT '',
  count  bigint NOT NULL,
  PRIMARY KEY (stage, reason)
);

CREATE TABLE orders_timeline (
  bucket timestamptz NOT NULL,
  status text NOT NULL,
  count  bigint NOT NULL,
  PRIMARY KEY (bucket, status)
);

CREATE TABLE event_counts (
  type             text PRIMARY KEY,
  count            bigint NOT NULL,
  last_occurred_at timestamptz NOT NULL
);

CREATE TABLE money (
  kind         text PRIMARY KEY,
  count        bigint NOT NULL,
  amount_cents bigint NOT NULL
);

CREATE TABLE dead_letters (
  consumer text NOT NULL,
  subject  text NOT NULL,
  count    bigint NOT NULL,
  PRIMARY KEY (consumer, subject)
);

CREATE TABLE security_verdicts (
  kind   text NOT NULL,
  reason text NOT NULL,
  count  bigint NOT NULL,
  PRIMARY KEY (kind, reason)
);

-- What recommendations need at request time.
CREATE TABLE fans (
  user_id uuid PRIMARY KEY,
  country char(2) NOT NULL
);
CREATE TABLE fan_purchases (
  user_id      uuid NOT NULL,
  match_number integer NOT NULL,
  quantity     integer NOT NULL,
  PRIMARY KEY (user_id, match_number)
);

-- Trained recommendation models; exactly one is active and every replica serves it.
CREATE TABLE models (
  version    text PRIMARY KEY,
  trained_at timestamptz NOT NULL DEFAULT now(),
  model      jsonb NOT NULL,
  metrics    jsonb,
  active     boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX models_one_active ON models (active) WHERE active;
