-- IP and CIDR bans (IPv4 and IPv6). Removing an entry keeps the row (who lifted it, when)
-- so the admin history stays complete; only rows with removed_at NULL and not expired apply.
CREATE TABLE blocklist (
  id          uuid PRIMARY KEY,
  network     cidr NOT NULL,
  reason      text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
  author      text NOT NULL,
  automatic   boolean NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz,
  removed_at  timestamptz,
  removed_by  text,
  CHECK (expires_at IS NULL OR expires_at > created_at)
);
CREATE INDEX blocklist_live ON blocklist (created_at) WHERE removed_at IS NULL;
