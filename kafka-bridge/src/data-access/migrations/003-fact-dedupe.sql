-- A partner's body.id marks copies of one message. Which copy is first must be decided in an
-- order every instance shares: the order of the partition that decides the category (its home
-- partition), where messages on it are judged and off-partition lines are placed. So the key
-- names that partition, and a fact carries it until it is placed.
ALTER TABLE ledger_facts ADD COLUMN dedupe_key text;
CREATE INDEX ledger_facts_dedupe ON ledger_facts (dedupe_key) WHERE dedupe_key IS NOT NULL AND placed_before IS NOT NULL;
