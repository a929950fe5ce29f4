-- Gate stewards check tickets in (tickets' POST /api/check-in); promoted from the command line like admins.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('fan', 'admin', 'steward'));
