-- With partner sync on, tickets' hold is tentative until the partner log has ordered it:
-- the order stays `created` (not payable) with its hold recorded until tickets confirms it.
ALTER TABLE orders ADD COLUMN hold_tentative boolean NOT NULL DEFAULT false;
