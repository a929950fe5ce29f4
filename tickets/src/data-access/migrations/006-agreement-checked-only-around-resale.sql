-- The ticket/listing agreement (004) can only break when a ticket enters or leaves `listed` /
-- `locked` (a listing's own changes fire the listings trigger). Every other ticket move,
-- check-in above all (hundreds a second at kick-off), no longer queues a commit-time check.
DROP TRIGGER tickets_agree_with_listings ON tickets;

CREATE CONSTRAINT TRIGGER tickets_agree_with_listings AFTER UPDATE ON tickets
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (OLD.status IN ('listed', 'locked') OR NEW.status IN ('listed', 'locked'))
  EXECUTE FUNCTION ticket_and_listing_agree();

CREATE CONSTRAINT TRIGGER tickets_inserted_agree_with_listings AFTER INSERT ON tickets
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (NEW.status IN ('listed', 'locked'))
  EXECUTE FUNCTION ticket_and_listing_agree();
