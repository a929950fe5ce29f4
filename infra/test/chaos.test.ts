import { formatReport, runChaos, SHORT_PROFILE, type ChaosOptions } from '../src/chaos/chaos-run';

/**
 * The short chaos run (`npm run chaos -- --short [--partner-sync]`): an on-sale on real
 * service processes while orders, PostgreSQL, then payments + tickets are SIGKILLed (and,
 * with partner sync, the Kafka broker and the kafka-bridge), checked afterwards from the
 * databases, the event streams and the partner log. One to two minutes each on two cores.
 */
test.each<[string, ChaosOptions]>([
  [',', {}],
  [' with partner sync, Kafka and the kafka-bridge SIGKILLed too,', { partnerSync: true }],
])(
  'when services and servers are SIGKILLed during an on-sale (the short chaos run)%s then nothing is oversold, lost or left hanging',
  async (_label, options) => {
    const report = await runChaos(
      SHORT_PROFILE,
      (line) => process.stderr.write(`[chaos] ${line}\n`),
      options,
    );
    const summary = formatReport(report);
    process.stderr.write(`${summary}\n`);
    const faults =
      SHORT_PROFILE.faults.length + (options.partnerSync ? SHORT_PROFILE.partnerFaults.length : 0);
    expect(report.faults).toHaveLength(faults);
    expect(report.totals.paid).toBeGreaterThan(0);
    expect(report.totals.tickets).toBeGreaterThan(0);
    expect({ violations: report.violations, summary }).toEqual({ violations: [], summary });
  },
  420_000,
);
