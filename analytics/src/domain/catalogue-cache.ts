import type { Logger, Pool } from '@ticketaka/common';
import { readCatalogue, type CatalogueEntry } from '../data-access/catalogue.repository';

/**
 * The catalogue with sold-out flags, re-read every `intervalMs`, so a recommendation
 * request costs one indexed look-up (the fan's purchases) and no scan. A match that sells
 * out is dropped from recommendations within one interval.
 */
export class CatalogueCache {
  entries: CatalogueEntry[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly pool: Pool,
    private readonly logger: Logger,
  ) {}

  async refresh() {
    this.entries = await readCatalogue(this.pool);
  }

  start(intervalMs: number) {
    this.timer = setInterval(() => {
      this.refresh().catch((err) => this.logger.warn({ err }, 'catalogue refresh failed'));
    }, intervalMs);
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
  }
}
