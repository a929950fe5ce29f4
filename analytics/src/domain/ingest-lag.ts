/**
 * How far the aggregate store trails the events (commit time minus `occurredAt`) over the
 * most recent events: the dashboard shows it and the ≤ 5 s goal is measured on it. An event
 * older than this process counts from the process start: catching up on a backlog after a
 * restart is reported by the backlog itself, not as the ingester's lag.
 */
export class IngestLag {
  private readonly samples: number[] = [];
  private next = 0;
  lastEventAt: string | null = null;
  lastIngestedAt: string | null = null;

  constructor(
    private readonly size = 2000,
    private readonly since = Date.now(),
  ) {}

  record(occurredAt: string[], now = Date.now()) {
    for (const at of occurredAt) {
      const lag = Math.max(0, now - Math.max(Date.parse(at), this.since));
      if (this.samples.length < this.size) this.samples.push(lag);
      else this.samples[this.next] = lag;
      this.next = (this.next + 1) % this.size;
      if (!this.lastEventAt || at > this.lastEventAt) this.lastEventAt = at;
    }
    if (occurredAt.length) this.lastIngestedAt = new Date(now).toISOString();
  }

  summary() {
    const sorted = [...this.samples].sort((a, b) => a - b);
    const at = (p: number) =>
      sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? null;
    return {
      lastEventAt: this.lastEventAt,
      lastIngestedAt: this.lastIngestedAt,
      samples: sorted.length,
      p50Ms: at(50),
      p99Ms: at(99),
      maxMs: sorted.at(-1) ?? null,
    };
  }
}
