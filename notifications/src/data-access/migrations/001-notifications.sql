-- Who to write to: projected from auth.user.created (notifications never reads auth's schema).
CREATE TABLE recipients (
  user_id      uuid PRIMARY KEY,
  email        text NOT NULL,
  display_name text NOT NULL,
  version      integer NOT NULL
);

-- Opt-outs per kind; no row means the default (e-mail on).
CREATE TABLE preferences (
  user_id uuid NOT NULL,
  kind    text NOT NULL,
  email   boolean NOT NULL,
  PRIMARY KEY (user_id, kind)
);

-- "Follow a match / a team": told when seats come back and before kick-off.
CREATE TABLE follows (
  user_id     uuid NOT NULL,
  target_kind text NOT NULL CHECK (target_kind IN ('match', 'team')),
  target      text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, target_kind, target)
);
CREATE INDEX follows_by_target ON follows (target_kind, target);

-- The fixture list, refreshed from tickets (rpc.tickets.match-schedule).
CREATE TABLE matches (
  match_number integer PRIMARY KEY,
  kick_off     timestamptz NOT NULL,
  venue        text NOT NULL,
  home_team    text NOT NULL,
  away_team    text NOT NULL
);

-- The last availability state seen per category, in inventory version order.
CREATE TABLE category_states (
  match_number integer NOT NULL,
  category     smallint NOT NULL,
  state        text NOT NULL,
  version      integer NOT NULL,
  PRIMARY KEY (match_number, category)
);

-- One "your hold ends soon" per order, cancelled when the order ends first.
CREATE TABLE hold_reminders (
  order_id     uuid PRIMARY KEY,
  user_id      uuid NOT NULL,
  match_number integer NOT NULL,
  expires_at   timestamptz NOT NULL,
  remind_at    timestamptz NOT NULL,
  status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'cancelled'))
);
CREATE INDEX hold_reminders_due ON hold_reminders (remind_at) WHERE status = 'pending';

-- What a fan was told (the bell), each once: the dedupe key names the fact it is about.
CREATE TABLE notifications (
  id         uuid PRIMARY KEY,
  user_id    uuid NOT NULL,
  kind       text NOT NULL,
  dedupe_key text NOT NULL UNIQUE,
  title      text NOT NULL,
  body       text NOT NULL,
  link       text,
  created_at timestamptz NOT NULL DEFAULT now(),
  read_at    timestamptz
);
CREATE INDEX notifications_of_user ON notifications (user_id, created_at DESC);

-- The mail outbox: written with its notification, sent after commit by the dispatcher.
CREATE TABLE mails (
  id              uuid PRIMARY KEY,
  notification_id uuid NOT NULL UNIQUE REFERENCES notifications (id),
  to_address      text NOT NULL,
  subject         text NOT NULL,
  text_body       text NOT NULL,
  html_body       text NOT NULL,
  attachments     jsonb NOT NULL DEFAULT '[]',
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  sent_at         timestamptz
);
CREATE INDEX mails_due ON mails (next_attempt_at) WHERE status IN ('pending', 'sending');
