import type { Logger, Pool } from '@ticketaka/common';
import { activeModelVersion, loadModel } from '../data-access/model.repository';
import type { RecommendationModel } from './recommendation-model';

/** Before any model is trained: rank by popularity alone (from the aggregate store). */
export const BASELINE_VERSION = 'baseline';

/**
 * The model this process serves. A swap loads the new version completely and then replaces
 * one reference, so a request in flight finishes with the model it started with and the
 * next one gets the new model: no request ever sees half a model or none.
 */
export class ModelHolder {
  private served: RecommendationModel | null = null;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly pool: Pool,
    private readonly logger: Logger,
    private readonly baseline: () => Promise<RecommendationModel>,
  ) {}

  get current(): RecommendationModel | null {
    return this.served;
  }

  /** Loads the active version if it changed (or the baseline when there is none). */
  async refresh(): Promise<void> {
    const version = await activeModelVersion(this.pool);
    if (version === null) {
      this.served = await this.baseline();
      return;
    }
    if (this.served?.version === version) return;
    const model = await loadModel(this.pool, version);
    if (!model) return;
    this.served = model;
    this.logger.info({ version }, 'recommendation model loaded');
  }

  start(intervalMs: number) {
    this.timer = setInterval(() => {
      this.refresh().catch((err) =>
        this.logger.warn({ err }, 'model refresh failed; serving the previous one'),
      );
    }, intervalMs);
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
  }
}
