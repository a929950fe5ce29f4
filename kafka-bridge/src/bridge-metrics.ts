import { Counter, Gauge } from 'prom-client';
import type { Metrics } from '@ticketaka/common';

/** The bridge's own Prometheus series, registered on the service's registry. */
export function createBridgeMetrics(metrics: Metrics) {
  const registers = [metrics.registry];
  return {
    consumed: new Counter({
      name: 'partner_messages_consumed_total',
      help: 'Partner messages consumed from Kafka, by topic kind and ledger outcome',
      labelNames: ['topic', 'outcome'],
      registers,
    }),
    deadLettered: new Counter({
      name: 'partner_messages_dead_lettered_total',
      help: 'Partner messages sent to the dead-letter topic, by reason code',
      labelNames: ['reason'],
      registers,
    }),
    produced: new Counter({
      name: 'partner_messages_produced_total',
      help: 'Messages of ours produced to the ticket-sales topic, by action',
      labelNames: ['action'],
      registers,
    }),
    produceFailures: new Counter({
      name: 'partner_produce_failures_total',
      help: 'Failed produces to the ticket-sales topic (retried later from JetStream)',
      registers,
    }),
    ownHoldsDecided: new Counter({
      name: 'partner_own_holds_decided_total',
      help: 'Our holds decided by the partner log, by fate (granted or void)',
      labelNames: ['fate'],
      registers,
    }),
    ticketsEffects: new Counter({
      name: 'partner_tickets_effects_total',
      help: 'Partner changes handed to tickets, by outcome',
      labelNames: ['outcome'],
      registers,
    }),
    deadLetterFailures: new Counter({
      name: 'partner_dead_letter_failures_total',
      help: 'Dead letters the broker refused for good (kept in the ledger entry only)',
      registers,
    }),
    alerts: new Counter({
      name: 'partner_security_alerts_total',
      help: 'Messages claiming a Ticketaka identity without its signature (spoofed_identity), signed messages of ours this installation never sent (unknown_own_event), our holds expired by the log (own_hold_expired), forged master-list messages (not_organiser)',
      labelNames: ['kind'],
      registers,
    }),
    unplacedFacts: new Gauge({
      name: 'partner_unplaced_facts',
      help: 'Partner lines that arrived off their category partition and wait for their agreed place',
      registers,
    }),
    effectsBacklog: new Gauge({
      name: 'partner_tickets_effects_backlog',
      help: 'Partner changes granted by the ledger and not yet applied by tickets',
      registers,
    }),
  };
}

export type BridgeMetrics = ReturnType<typeof createBridgeMetrics>;
