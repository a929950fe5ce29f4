-- Set when a hold request got no answer: tickets may still be deciding it, so a later
-- refusal for this order must be announced (tickets then releases whatever it held).
ALTER TABLE orders ADD COLUMN hold_uncertain boolean NOT NULL DEFAULT false;
