-- Partner bytes are never stored as text or jsonb unless they are clean UTF-8 without NUL:
-- the raw value is kept as bytea (truncated), with its size and the digest of the whole.
ALTER TABLE ledger_entries
  ADD COLUMN payload_bytes    bytea,
  ADD COLUMN payload_size     integer,
  ADD COLUMN payload_sha256   text,
  ADD COLUMN payload_truncated boolean NOT NULL DEFAULT false,
  -- The record's log timestamp (ms): the clock of hold expiry (docs/partner-sync.md).
  ADD COLUMN record_timestamp bigint,
  -- Signed by a Ticketaka instance (the only way a message can be ours).
  ADD COLUMN verified         boolean NOT NULL DEFAULT false;

ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_outcome_check;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_outcome_check
  CHECK (outcome IN ('loaded', 'granted', 'void', 'applied', 'duplicate', 'refused', 'invalid', 'deferred'));

-- A partner line that arrived off its category's partition: it is decided at a place every
-- instance agrees on, right before the first signed Ticketaka message on the category's
-- partition whose read positions ("seen") cover it.
CREATE TABLE ledger_facts (
  topic               text NOT NULL,
  "partition"         integer NOT NULL,
  "offset"            bigint NOT NULL,
  category            smallint NOT NULL,
  canonical_partition integer NOT NULL,
  platform            text NOT NULL,
  action              text NOT NULL,
  match_number        integer NOT NULL,
  quantity            integer NOT NULL CHECK (quantity > 0),
  record_timestamp    bigint NOT NULL,
  placed_before       text,
  outcome             text,
  reason              text,
  PRIMARY KEY (topic, "partition", "offset", category)
);
CREATE INDEX ledger_facts_unplaced ON ledger_facts (topic, canonical_partition, "partition", "offset")
  WHERE placed_before IS NULL;

-- Each granted PENDING is a lot: RESERVED / CANCELLED consume a platform's lots oldest first,
-- and a lot still held at its deadline (log timestamp + TTL) is released.
CREATE TABLE ledger_hold_lots (
  lot_key             text PRIMARY KEY,
  topic               text NOT NULL,
  canonical_partition integer NOT NULL,
  platform            text NOT NULL,
  match_number        integer NOT NULL,
  category            smallint NOT NULL,
  -- Held by a verified Ticketaka instance: only signed time can expire it.
  trusted             boolean NOT NULL,
  quantity            integer NOT NULL CHECK (quantity > 0),
  remaining           integer NOT NULL CHECK (remaining >= 0),
  starts_at           bigint NOT NULL,
  expires_at          bigint NOT NULL,
  ended               text,
  ended_at            text
);
CREATE INDEX ledger_hold_lots_live ON ledger_hold_lots (topic, canonical_partition, expires_at) WHERE remaining > 0;
CREATE INDEX ledger_hold_lots_fifo ON ledger_hold_lots (platform, match_number, category, starts_at, lot_key) WHERE remaining > 0;

-- The log's clock per partition: the largest record timestamp read (any producer), and the
-- largest signed send time of a Ticketaka message (only we can write it).
CREATE TABLE partition_clocks (
  topic         text NOT NULL,
  "partition"   integer NOT NULL,
  log_clock     bigint NOT NULL DEFAULT 0,
  trusted_clock bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (topic, "partition")
);
