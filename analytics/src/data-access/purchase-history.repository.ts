import { countries } from 'countries-list';
import { literal, type ParquetLake } from './parquet-lake';

/**
 * Loads what training needs from the lake into DuckDB temporary tables: fans (country,
 * region), matches (latest version of each), primary purchases, and each purchase's teams.
 * Returns false when the lake has no purchases yet.
 */
export async function loadPurchaseHistory(lake: ParquetLake): Promise<boolean> {
  const users = lake.source('auth.user.created');
  const matches = lake.source('tickets.match.published');
  const orders = lake.source('orders.order.completed');
  if (!users || !matches || !orders) return false;
  const regions = Object.entries(countries as Record<string, { continent: string }>)
    .map(([code, c]) => `(${literal(code)}, ${literal(c.continent)})`)
    .join(', ');
  await lake.run(`CREATE OR REPLACE TEMP TABLE country_regions (country VARCHAR, region VARCHAR);
    INSERT INTO country_regions VALUES ${regions};`);
  await lake.run(`CREATE OR REPLACE TEMP TABLE fans AS
    SELECT u.user_id, u.country, r.region FROM (
      SELECT data.id AS user_id, upper(arg_max(data.country, occurred_at)) AS country
      FROM ${users} GROUP BY 1) u
    LEFT JOIN country_regions r USING (country)`);
  await lake.run(`CREATE OR REPLACE TEMP TABLE matches AS
    SELECT data.matchNumber AS match_number,
           arg_max(data.homeTeam, data.version) AS home_team,
           arg_max(data.awayTeam, data.version) AS away_team,
           arg_max(data.kickOff, data.version) AS kick_off
    FROM ${matches} GROUP BY 1`);
  await lake.run(`CREATE OR REPLACE TEMP TABLE purchases AS
    SELECT data.userId AS user_id, data.matchNumber AS match_number, min(occurred_at) AS bought_at,
           sum(data.quantity) AS quantity
    FROM ${orders} WHERE data.kind = 'primary' GROUP BY 1, 2`);
  await lake.run(`CREATE OR REPLACE TEMP TABLE purchase_teams AS
    SELECT p.user_id, p.match_number, p.bought_at, f.country, f.region, t.team
    FROM purchases p JOIN fans f USING (user_id) JOIN matches m USING (match_number),
         LATERAL (VALUES (m.home_team), (m.away_team)) t(team)
    -- Bracket slots ("1A", "W49") are not teams anyone supports.
    WHERE NOT regexp_matches(t.team, '^(TBA|TBD|[12][A-H]|[WL][0-9]{1,2})$')`);
  return true;
}

export interface HistoryRow {
  user_id: string;
  match_number: number;
  at: string;
}

export const purchasesBefore = (lake: ParquetLake, until: string | null) =>
  lake.query<HistoryRow>(
    `SELECT user_id, match_number, bought_at::VARCHAR AS "at" FROM purchases
     ${until ? `WHERE bought_at < ${literal(until)}::TIMESTAMPTZ` : ''} ORDER BY bought_at`,
  );

export const allPurchases = (lake: ParquetLake) =>
  lake.query<HistoryRow>(
    'SELECT user_id, match_number, strftime(bought_at, \'%Y-%m-%dT%H:%M:%S.%gZ\') AS "at" FROM purchases ORDER BY bought_at, user_id, match_number',
  );

export const fanCountries = (lake: ParquetLake) =>
  lake.query<{ user_id: string; country: string }>('SELECT user_id, country FROM fans');

export const catalogue = (lake: ParquetLake) =>
  lake.query<{ match_number: number; home_team: string; away_team: string; kick_off: string }>(
    'SELECT match_number, home_team, away_team, kick_off::VARCHAR AS kick_off FROM matches ORDER BY 1',
  );

/** A cut-off instant so that `share` of the purchases come before it. */
export async function timeQuantile(lake: ParquetLake, share: number): Promise<string> {
  const [row] = await lake.query<{ at: string }>(
    `SELECT strftime(quantile_disc(bought_at, ${Number(share)}), '%Y-%m-%dT%H:%M:%S.%gZ') AS "at" FROM purchases`,
  );
  return row!.at;
}

/**
 * Counts for the model from purchases before `until` (all when null), in DuckDB SQL:
 * team shares per country and per region smoothed towards the wider level (additive prior
 * of `prior` purchases), global team shares, team-to-team lift, and match popularity.
 */
export async function modelCounts(lake: ParquetLake, until: string | null, prior = 20) {
  const where = until ? `WHERE bought_at < ${literal(until)}::TIMESTAMPTZ` : '';
  // A purchase of A–B is credited to its two teams by how strongly the fan's country follows
  // each, re-estimated a few times from an equal split (expectation–maximisation): an
  // Argentine buying Argentina–Saudi Arabia ends up counted for Argentina, not its opponent.
  await lake.run(`CREATE OR REPLACE TEMP TABLE pt AS
    SELECT *, 0.5 AS weight FROM purchase_teams ${where}`);
  for (let step = 0; step < 5; step += 1) {
    await lake.run(`CREATE OR REPLACE TEMP TABLE pt AS
      WITH pulls AS (SELECT country, team, sum(weight) + 0.5 AS pull FROM pt GROUP BY ALL),
           pulled AS (SELECT p.* EXCLUDE (weight), q.pull FROM pt p JOIN pulls q USING (country, team))
      SELECT * EXCLUDE (pull), pull / sum(pull) OVER (PARTITION BY user_id, match_number) AS weight
      FROM pulled`);
  }
  const globalTeam = await lake.query<{ team: string; share: number }>(
    `SELECT team, sum(weight) / sum(sum(weight)) OVER () AS share FROM pt GROUP BY team`,
  );
  const regionTeam = await lake.query<{ region: string; team: string; share: number }>(
    `WITH g AS (SELECT team, sum(weight) / sum(sum(weight)) OVER () AS share FROM pt GROUP BY team),
          rt AS (SELECT region, team, sum(weight) AS n FROM pt WHERE region IS NOT NULL GROUP BY ALL),
          r AS (SELECT region, sum(weight) AS n FROM pt WHERE region IS NOT NULL GROUP BY region)
     SELECT r.region, g.team, (coalesce(rt.n, 0) + ${prior} * g.share) / (r.n + ${prior}) AS share
     FROM r CROSS JOIN g LEFT JOIN rt ON rt.region = r.region AND rt.team = g.team`,
  );
  const countryTeam = await lake.query<{ country: string; team: string; share: number }>(
    `WITH g AS (SELECT team, sum(weight) / sum(sum(weight)) OVER () AS share FROM pt GROUP BY team),
          rt AS (SELECT region, team, sum(weight) AS n FROM pt WHERE region IS NOT NULL GROUP BY ALL),
          r AS (SELECT region, sum(weight) AS n FROM pt WHERE region IS NOT NULL GROUP BY region),
          rs AS (SELECT r.region, g.team, (coalesce(rt.n, 0) + ${prior} * g.share) / (r.n + ${prior}) AS share
                 FROM r CROSS JOIN g LEFT JOIN rt ON rt.region = r.region AND rt.team = g.team),
          ct AS (SELECT country, region, team, sum(weight) AS n FROM pt GROUP BY ALL),
          c AS (SELECT country, any_value(region) AS region, sum(weight) AS n FROM pt GROUP BY country)
     SELECT c.country, g.team,
            (coalesce(ct.n, 0) + ${prior} * coalesce(rs.share, g.share)) / (c.n + ${prior}) AS share
     FROM c CROSS JOIN g
     LEFT JOIN ct ON ct.country = c.country AND ct.team = g.team
     LEFT JOIN rs ON rs.region = c.region AND rs.team = g.team`,
  );
  const lift = await lake.query<{ from_team: string; to_team: string; lift: number }>(
    `WITH ut AS (SELECT DISTINCT user_id, match_number, team FROM pt),
          users AS (SELECT count(DISTINCT user_id) AS n FROM ut),
          team_users AS (SELECT team, count(DISTINCT user_id) AS n FROM ut GROUP BY team),
          pairs AS (SELECT a.team AS from_team, b.team AS to_team, count(DISTINCT a.user_id) AS n
                    FROM ut a JOIN ut b ON a.user_id = b.user_id AND a.match_number <> b.match_number
                    GROUP BY ALL HAVING count(DISTINCT a.user_id) >= 3)
     SELECT from_team, to_team,
            ln((p.n / fa.n) / (fb.n / users.n)) AS lift
     FROM pairs p JOIN team_users fa ON fa.team = p.from_team JOIN team_users fb ON fb.team = p.to_team,
          users
     WHERE (p.n / fa.n) > (fb.n / users.n)`,
  );
  const popularity = await lake.query<{ match_number: number; share: number }>(
    `SELECT match_number, count(*) / max(count(*)) OVER () AS share
     FROM purchases ${where} GROUP BY match_number`,
  );
  // Which matches fans of each country bought, smoothed towards their region's choice.
  const countryMatch = await lake.query<{ country: string; match_number: number; share: number }>(
    `WITH base AS (SELECT p.match_number, f.country, f.region FROM purchases p JOIN fans f USING (user_id) ${where.replace('WHERE', 'WHERE p.')}),
          rm AS (SELECT region, match_number, count(*) AS n FROM base GROUP BY ALL),
          r AS (SELECT region, count(*) AS n FROM base GROUP BY region),
          cm AS (SELECT country, any_value(region) AS region, match_number, count(*) AS n FROM base GROUP BY country, match_number),
          c AS (SELECT country, count(*) AS n FROM base GROUP BY country)
     SELECT cm.country, cm.match_number,
            (cm.n + ${prior} * coalesce(rm.n / r.n, 0)) / (c.n + ${prior}) AS share
     FROM cm JOIN c USING (country) LEFT JOIN rm ON rm.region = cm.region AND rm.match_number = cm.match_number
     LEFT JOIN r ON r.region = cm.region`,
  );
  const [totals] = await lake.query<{ purchases: number; fans: number }>(
    `SELECT count(*)::INTEGER AS purchases, count(DISTINCT user_id)::INTEGER AS fans FROM purchases ${where}`,
  );
  return { globalTeam, regionTeam, countryTeam, countryMatch, lift, popularity, totals: totals! };
}
