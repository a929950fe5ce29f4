-- Every consumer's inbox key is now the service name (it was `tickets:<event type>`); event
-- ids are unique across types, so the records of applied events move over unchanged and a
-- redelivery of an old event still finds its record.
UPDATE processed_events SET consumer = 'tickets' WHERE consumer LIKE 'tickets:%';
