-- A session is one sign-in on one device: a family of refresh tokens, each replacing the
-- last. Access tokens name it (`sid`), so revoking it ends them all.
CREATE TABLE sessions (
  id             uuid PRIMARY KEY,
  user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  -- Of the refresh token currently valid; older generations are replays.
  generation     integer NOT NULL DEFAULT 1,
  rotated_at     timestamptz NOT NULL DEFAULT now(),
  expires_at     timestamptz NOT NULL,
  revoked_at     timestamptz,
  revoked_reason text CHECK (revoked_reason IN ('signed_out', 'refresh_reused')),
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Every refresh token ever issued, by its SHA-256 (the token itself is never stored), so a
-- replayed old one is recognised as such and revokes its family.
CREATE TABLE refresh_tokens (
  token_hash bytea PRIMARY KEY,
  session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  generation integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);
