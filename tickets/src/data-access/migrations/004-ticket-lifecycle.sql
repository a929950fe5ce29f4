-- The ticket's status becomes the one authority on whether it can be used or sold
-- (domain/ticket-status.ts); the listing table and the ticket can never disagree.

-- The version at which the current owner got the ticket: codes signed for an older owner
-- (before a transfer) are refused at the gate, codes of the current owner are not.
ALTER TABLE tickets
  ADD COLUMN owner_since_version integer NOT NULL DEFAULT 1,
  ADD COLUMN checked_in_at       timestamptz,
  ADD COLUMN checked_in_gate     text,
  ADD COLUMN checked_in_by       uuid,
  ADD CONSTRAINT tickets_checked_in_is_recorded CHECK (status <> 'checked_in' OR checked_in_at IS NOT NULL);

-- Tickets listed before this migration: their listing said what the status never did.
UPDATE tickets t
   SET status = CASE l.status WHEN 'active' THEN 'listed' ELSE 'locked' END, version = t.version + 1
  FROM listings l
 WHERE l.ticket_id = t.id AND l.status IN ('active', 'locked');
UPDATE tickets SET owner_since_version = version;

-- Checked at COMMIT for every ticket or listing a transaction touched: an open listing
-- (active / locked) means the ticket is listed / locked, and a listed or locked ticket has
-- exactly that open listing. A use case that moves one without the other cannot commit.
CREATE FUNCTION ticket_and_listing_agree() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed_ticket uuid;
  ticket_status  text;
  listing_status text;
  expected       text;
BEGIN
  -- Branches are planned only when reached, so each table's column is read on its own table.
  IF TG_TABLE_NAME = 'tickets' THEN
    changed_ticket := NEW.id;
  ELSE
    changed_ticket := NEW.ticket_id;
  END IF;
  SELECT status INTO ticket_status FROM tickets WHERE id = changed_ticket;
  SELECT status INTO listing_status FROM listings
   WHERE ticket_id = changed_ticket AND status IN ('active', 'locked');
  expected := CASE listing_status WHEN 'active' THEN 'listed' WHEN 'locked' THEN 'locked' END;
  IF (expected IS NULL AND ticket_status IN ('listed', 'locked'))
     OR (expected IS NOT NULL AND ticket_status IS DISTINCT FROM expected) THEN
    RAISE EXCEPTION 'ticket % is % but its open listing is %', changed_ticket, ticket_status,
      coalesce(listing_status, 'absent')
      USING ERRCODE = 'check_violation', CONSTRAINT = 'ticket_and_listing_agree';
  END IF;
  RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER tickets_agree_with_listings AFTER INSERT OR UPDATE ON tickets
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ticket_and_listing_agree();
CREATE CONSTRAINT TRIGGER listings_agree_with_tickets AFTER INSERT OR UPDATE ON listings
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ticket_and_listing_agree();
