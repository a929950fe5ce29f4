import { formatReport, runChaos, SHORT_PROFILE } from '../src/chaos/chaos-run';

/**
 * The short chaos run (`npm run chaos -- --short`): an on-sale on real service processes
 * while orders, PostgreSQL, then payments + tickets are SIGKILLed, checked from the
 * databases and the event streams afterwards. About two minutes on two cores.
 */
test('when services and servers are SIGKILLed during an on-sale (the short chaos run), then nothing is oversold, lost or left hanging', async () => {
  const report = await runChaos(SHORT_PROFILE, (line) => process.stderr.write(`[chaos] ${line}\n`));
  const summary = formatReport(report);
  process.stderr.write(`${summary}\n`);
  expect(report.faults).toHaveLength(SHORT_PROFILE.faults.length);
  expect(report.faults.reduce((n, f) => n + f.paid, 0)).toBeGreaterThan(0);
  expect({ violations: report.violations, summary }).toEqual({ violations: [], summary });
}, 400_000);
