import { formatReport, runChaos, SHORT_PROFILE } from '../src/chaos/chaos-run';

test('when services and servers are SIGKILLed during an on-sale (the short chaos run), then nothing is oversold, lost or left hanging', async () => {
  const report = await runChaos(SHORT_PROFILE);
  const summary = formatReport(report);
  expect(report.faults).toHaveLength(SHORT_PROFILE.faults.length);
  expect(report.faults.reduce((n, f) => n + f.paid, 0)).toBeGreaterThan(0);
  expect({ violations: report.violations, summary }).toEqual({ violations: [], summary });
}, 400_000);
