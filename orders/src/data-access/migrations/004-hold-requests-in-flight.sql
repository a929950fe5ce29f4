-- Orders asks tickets for a hold outside any transaction. While a request is in flight it
-- may still create a hold, so a refusal seen by a concurrent request (same Idempotency-Key)
-- must not delete the order: it is cancelled with an event instead, and tickets releases.
ALTER TABLE orders ADD COLUMN hold_requests_in_flight integer NOT NULL DEFAULT 0
  CHECK (hold_requests_in_flight >= 0);
