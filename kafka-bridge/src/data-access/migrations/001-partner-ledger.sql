-- Identifies this ledger: the Kafka consumer groups carry it, so a ledger rebuilt from an
-- empty database reads the partner log from its first message instead of resuming offsets
-- that a previous database had applied.
CREATE TABLE bridge_identity (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  ledger_id uuid NOT NULL
);
INSERT INTO bridge_identity (ledger_id) VALUES (gen_random_uuid());

-- Per match category, the counts derived from the partner log (docs/partner-sync.md).
CREATE TABLE ledger_categories (
  match_number integer NOT NULL CHECK (match_number BETWEEN 1 AND 999),
  category     smallint NOT NULL CHECK (category BETWEEN 1 AND 3),
  -- Whole currency units, as the master list and the ticket-sales messages carry it.
  price        numeric NOT NULL CHECK (price >= 0),
  capacity     integer NOT NULL CHECK (capacity >= 0),
  available    integer NOT NULL,
  pending      integer NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (match_number, category),
  CONSTRAINT ledger_counts_consistent CHECK (0 <= pending AND pending <= available AND available <= capacity)
);

-- What each platform holds and has sold per category, by the ledger's rules.
CREATE TABLE ledger_holdings (
  platform     text NOT NULL,
  match_number integer NOT NULL,
  category     smallint NOT NULL,
  held         integer NOT NULL DEFAULT 0 CHECK (held >= 0),
  sold         integer NOT NULL DEFAULT 0 CHECK (sold >= 0),
  PRIMARY KEY (platform, match_number, category),
  FOREIGN KEY (match_number, category) REFERENCES ledger_categories (match_number, category)
);

-- Every partner message consumed, with what the ledger decided: the audit trail, and the
-- idempotency record (a redelivered offset finds its entry and changes nothing).
CREATE TABLE ledger_entries (
  topic        text NOT NULL,
  "partition"  integer NOT NULL,
  "offset"     bigint NOT NULL,
  platform     text,
  own          boolean NOT NULL DEFAULT false,
  action       text,
  match_number integer,
  lines        jsonb,
  outcome      text NOT NULL CHECK (outcome IN ('loaded', 'granted', 'void', 'applied', 'duplicate', 'refused', 'invalid')),
  reason_code  text,
  reason       text,
  -- A message already seen under another offset: Ticketaka's event id, or a partner's body.id.
  dedupe_key   text,
  event_id     uuid,
  hold_id      uuid,
  message_key  text,
  payload      text,
  headers      jsonb NOT NULL DEFAULT '{}',
  -- Refused and invalid messages go to the dead-letter topic; set once that produce succeeded.
  dead_letter      boolean NOT NULL DEFAULT false,
  dead_lettered_at timestamptz,
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (topic, "partition", "offset")
);
CREATE UNIQUE INDEX ledger_entries_first_copy ON ledger_entries (dedupe_key)
  WHERE dedupe_key IS NOT NULL AND outcome <> 'duplicate';
CREATE INDEX ledger_entries_dead_letter_due ON ledger_entries (recorded_at)
  WHERE dead_letter AND dead_lettered_at IS NULL;

-- The next offset to read per partition, advanced with each entry (tells whether a message
-- we may have produced before a crash is already in the log).
CREATE TABLE partition_positions (
  topic       text NOT NULL,
  "partition" integer NOT NULL,
  next_offset bigint NOT NULL,
  PRIMARY KEY (topic, "partition")
);

-- Partners' granted or applied changes still owed to tickets, applied in log order per category.
CREATE TABLE tickets_effects (
  id           bigserial PRIMARY KEY,
  message_key  text NOT NULL UNIQUE,
  action       text NOT NULL,
  match_number integer NOT NULL,
  category     smallint NOT NULL,
  quantity     integer NOT NULL CHECK (quantity > 0),
  status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'applied', 'failed')),
  attempts     integer NOT NULL DEFAULT 0,
  last_error   text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  done_at      timestamptz
);
CREATE INDEX tickets_effects_due ON tickets_effects (match_number, category, id) WHERE status = 'pending';

-- Our own holds as the partner log sees them: tentative until our TICKET_PENDING comes back
-- from the log, then granted or void; tickets is told once (fate_notified_at).
CREATE TABLE own_holds (
  order_id         uuid PRIMARY KEY,
  match_number     integer NOT NULL,
  category         smallint NOT NULL,
  quantity         integer NOT NULL CHECK (quantity > 0),
  fate             text NOT NULL DEFAULT 'unknown' CHECK (fate IN ('unknown', 'granted', 'void')),
  fate_reason      text,
  decided_at       text,
  fate_notified_at timestamptz,
  tickets_status   text,
  notify_attempts  integer NOT NULL DEFAULT 0,
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX own_holds_to_notify ON own_holds (created_at) WHERE fate <> 'unknown' AND fate_notified_at IS NULL;

-- What we produced for each of our hold events: sending (maybe in the log) → sent, or skipped.
CREATE TABLE outbound_messages (
  event_id     uuid PRIMARY KEY,
  order_id     uuid NOT NULL,
  action       text NOT NULL,
  match_number integer NOT NULL,
  category     smallint NOT NULL,
  quantity     integer NOT NULL,
  status       text NOT NULL DEFAULT 'sending' CHECK (status IN ('sending', 'sent', 'skipped')),
  attempts     integer NOT NULL DEFAULT 0,
  "partition"  integer,
  "offset"     bigint,
  note         text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  sent_at      timestamptz
);
