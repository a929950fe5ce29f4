import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { Request, Response } from 'express';
import type { AvailabilityFeed } from './availability-feed';

/**
 * One catalogue answer, serialized once and kept in memory: the JSON bytes, their gzip, and
 * a validator. `second` is the wall-clock second (Unix time) of the database read it was
 * built from.
 */
export interface CatalogueRepresentation {
  json: Buffer;
  gzip: Buffer;
  etag: string;
  second: number;
}

type Key = 'all' | number;

/**
 * The public catalogue (`GET /api/matches`, `GET /api/matches/:n`) kept serialized in
 * memory, so a read costs no query, no JSON.stringify and no gzip.
 *
 * Freshness, the one rule: an entry is used only within the wall-clock second of the database
 * read it came from, and the gateway is told to keep it no longer than that same second
 * (`X-Accel-Expires: @<second>`). So a count reaching a fan through both caches is never
 * more than 1 s older than the database, whatever happens to the event stream. Within the
 * second, every `tickets.inventory.changed` this replica hears (the same plain-NATS feed as
 * the SSE stream, whichever replica or partner caused it) drops the match's entry and the
 * whole list at once, so a direct read is as fresh as the stream.
 *
 * A read that was already in flight when a change arrived is not stored (its snapshot may
 * predate the change); concurrent misses of one key share one database read.
 */
export class CatalogueCache {
  private readonly entries = new Map<Key, CatalogueRepresentation>();
  private readonly loading = new Map<Key, Promise<CatalogueRepresentation>>();
  /** Bumped by every change per key, so a read that overlapped a change is not kept. */
  private readonly generation = new Map<Key, number>();
  private stopListening?: () => void;

  constructor(
    private readonly load: (key: Key) => Promise<unknown>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Drops entries on each change this replica hears. */
  follow(feed: AvailabilityFeed): void {
    this.stopListening = feed.listen((update) => this.invalidate(update.matchNumber));
  }

  invalidate(matchNumber: number): void {
    for (const key of ['all', matchNumber] as const) {
      this.entries.delete(key);
      // A read already under way may predate the change: later requests start their own.
      this.loading.delete(key);
      this.generation.set(key, (this.generation.get(key) ?? 0) + 1);
    }
  }

  stop(): void {
    this.stopListening?.();
  }

  private currentSecond(): number {
    return Math.floor(this.now() / 1000);
  }

  async get(key: Key): Promise<CatalogueRepresentation> {
    const cached = this.entries.get(key);
    if (cached && cached.second === this.currentSecond()) return cached;
    const inFlight = this.loading.get(key);
    if (inFlight) return inFlight;
    const generation = this.generation.get(key) ?? 0;
    const loading: Promise<CatalogueRepresentation> = this.build(key).finally(() => {
      if (this.loading.get(key) === loading) this.loading.delete(key);
    });
    this.loading.set(key, loading);
    const built = await loading;
    if ((this.generation.get(key) ?? 0) === generation) this.entries.set(key, built);
    return built;
  }

  private async build(key: Key): Promise<CatalogueRepresentation> {
    // The second is taken before the read: the entry may be younger than it claims, never older.
    const second = this.currentSecond();
    const json = Buffer.from(JSON.stringify(await this.load(key)));
    const etag = `W/"${createHash('sha1').update(json).digest('base64url')}"`;
    return { json, gzip: gzipSync(json, { level: 6 }), etag, second };
  }
}

/** True when the client takes gzip (a `gzip;q=0` refusal counts as not taking it). */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(',').some((part) => {
    const [coding = '', ...params] = part.trim().toLowerCase().split(';');
    if (coding.trim() !== 'gzip' && coding.trim() !== '*') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  // Weak comparison (RFC 9110 §13.1.2): W/ prefixes do not matter for If-None-Match.
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => opaque(tag) === opaque(etag));
}

/**
 * Sends a cached representation: 304 when the client's validator still matches, gzip when it
 * takes gzip. Browsers must revalidate every time (`no-cache`: the answer is cheap, a 304
 * is cheaper, and a browser never shows a count older than the gateway's); the gateway may
 * keep it until the end of the second it was read in, and no longer.
 */
export function sendRepresentation(
  req: Request,
  res: Response,
  representation: CatalogueRepresentation,
): void {
  res.set({
    'Cache-Control': 'public, no-cache',
    ETag: representation.etag,
    Vary: 'Accept-Encoding',
    'X-Accel-Expires': `@${representation.second}`,
  });
  if (matchesEtag(req.get('if-none-match'), representation.etag)) {
    res.status(304).end();
    return;
  }
  const gzip = acceptsGzip(req.get('accept-encoding'));
  const body = gzip ? representation.gzip : representation.json;
  res.status(200).set({
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(body.length),
    ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
  });
  res.end(body);
}
