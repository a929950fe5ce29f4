-- The locks this service has been told about. It lets a late "created" for an order that has
-- already ended schedule nothing, and lets a restart re-create jobs that Redis lost.
CREATE TABLE order_locks (
  order_id   uuid PRIMARY KEY,
  expires_at timestamptz NOT NULL,
  state      text NOT NULL CHECK (state IN ('scheduled', 'fired', 'ended')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX order_locks_scheduled ON order_locks (expires_at) WHERE state = 'scheduled';
