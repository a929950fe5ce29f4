CREATE TABLE users (
  id            uuid PRIMARY KEY,
  email         text NOT NULL,
  password_hash text NOT NULL,
  display_name  text NOT NULL,
  country       char(2) NOT NULL,
  role          text NOT NULL DEFAULT 'fan' CHECK (role IN ('fan', 'admin')),
  version       integer NOT NULL DEFAULT 1,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
-- Uniqueness is decided by the database, so two concurrent sign-ups cannot both win.
CREATE UNIQUE INDEX users_email_unique ON users (lower(email));
