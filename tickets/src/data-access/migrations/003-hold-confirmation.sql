-- The partner log decides whether each of our holds is safe (kafka-bridge, rpc.tickets.confirm-hold):
-- `confirmed` is a held hold that the log granted; a voided one is released.
ALTER TABLE holds DROP CONSTRAINT holds_status_check;
ALTER TABLE holds ADD CONSTRAINT holds_status_check CHECK (status IN ('held', 'confirmed', 'released', 'sold'));
ALTER TABLE holds
  ADD COLUMN partner_decision        text CHECK (partner_decision IN ('granted', 'void')),
  ADD COLUMN partner_decided_at      text,
  ADD COLUMN partner_decision_reason text;
DROP INDEX holds_open;
CREATE INDEX holds_open ON holds (match_number, category) WHERE status IN ('held', 'confirmed');
