-- Every consumer's inbox key is now the service name (the order projection used its own);
-- event ids are unique, so the records of applied events move over unchanged.
UPDATE processed_events SET consumer = 'payments' WHERE consumer = 'payments-order-projection';
