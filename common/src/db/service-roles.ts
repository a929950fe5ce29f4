import type { Client } from 'pg';

/** Every service's role is a member; only members may connect to the platform's databases. */
export const SERVICE_GROUP_ROLE = 'ticketaka_service';

/**
 * Cluster level, as the superuser: one login role per service, member of the group, with
 * no superuser, database or role rights. Re-run at every start, so a password changed in
 * the credentials takes effect and a role added to the registry appears.
 */
export async function ensureServiceRoles(
  admin: Client,
  roles: { role: string; password: string }[],
): Promise<void> {
  const group = admin.escapeIdentifier(SERVICE_GROUP_ROLE);
  const exists = async (name: string) =>
    (await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).rowCount === 1;
  if (!(await exists(SERVICE_GROUP_ROLE))) await admin.query(`CREATE ROLE ${group} NOLOGIN`);
  for (const { role, password } of roles) {
    const name = admin.escapeIdentifier(role);
    const rights = `LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD ${admin.escapeLiteral(password)}`;
    if (await exists(role)) await admin.query(`ALTER ROLE ${name} ${rights}`);
    else await admin.query(`CREATE ROLE ${name} ${rights}`);
    await admin.query(`GRANT ${group} TO ${name}`);
  }
}

/**
 * Database level, as the superuser, connected to that database: only the services' roles
 * may connect; each owns a schema named like itself (where its migrations run) and has no
 * right on any other, nor on `public`. A schema left by an older installation, owned by the
 * superuser, is handed to its service with everything in it.
 */
export async function provisionServiceSchemas(admin: Client, database: string): Promise<void> {
  const db = admin.escapeIdentifier(database);
  const group = admin.escapeIdentifier(SERVICE_GROUP_ROLE);
  await admin.query(`REVOKE ALL ON DATABASE ${db} FROM PUBLIC`);
  await admin.query(`GRANT CONNECT ON DATABASE ${db} TO ${group}`);
  await admin.query('REVOKE ALL ON SCHEMA public FROM PUBLIC');
  const { rows } = await admin.query<{ role: string; owner: string | null }>(
    `SELECT r.rolname AS role, pg_get_userbyid(n.nspowner) AS owner
       FROM pg_roles r
       JOIN pg_auth_members m ON m.member = r.oid
       JOIN pg_roles g ON g.oid = m.roleid AND g.rolname = $1
       LEFT JOIN pg_namespace n ON n.nspname = r.rolname`,
    [SERVICE_GROUP_ROLE],
  );
  for (const { role, owner } of rows) {
    const name = admin.escapeIdentifier(role);
    if (owner === null) {
      await admin.query(`CREATE SCHEMA IF NOT EXISTS ${name} AUTHORIZATION ${name}`);
    } else if (owner !== role) {
      await handOver(admin, role);
    }
  }
}

async function handOver(admin: Client, role: string) {
  const name = admin.escapeIdentifier(role);
  await admin.query(`ALTER SCHEMA ${name} OWNER TO ${name}`);
  const objects = await admin.query<{ kind: string; object: string }>(
    `SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                           WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END AS kind,
            format('%I.%I', n.nspname, c.relname) AS object
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
        -- a sequence owned by a column follows its table
        AND NOT (c.relkind = 'S' AND EXISTS (
              SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))
     UNION ALL
     SELECT 'FUNCTION', p.oid::regprocedure::text
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = $1 AND p.prokind = 'f'
     UNION ALL
     SELECT 'TYPE', format('%I.%I', n.nspname, t.typname)
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = $1 AND t.typtype IN ('e', 'd', 'c')
        AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind <> 'c')`,
    [role],
  );
  for (const { kind, object } of objects.rows)
    await admin.query(`ALTER ${kind} ${object} OWNER TO ${name}`);
}
