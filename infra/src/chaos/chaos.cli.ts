// `npm run chaos` (full) or `npm run chaos -- --short`; `--partner-sync` (or PARTNER_SYNC=true)
// adds Kafka and the kafka-bridge and their faults. See docs/operations.md.
import { formatReport, FULL_PROFILE, runChaos, SHORT_PROFILE } from './chaos-run';

async function main() {
  const profile = process.argv.includes('--short') ? SHORT_PROFILE : FULL_PROFILE;
  const partnerSync =
    process.argv.includes('--partner-sync') || process.env.PARTNER_SYNC === 'true';
  const offset = process.env.CHAOS_PORT_OFFSET;
  const report = await runChaos(
    offset ? { ...profile, portOffset: Number(offset) } : profile,
    (line) => console.log(`[chaos] ${line}`),
    { partnerSync },
  );
  console.log(formatReport(report));
  process.exitCode = report.violations.length === 0 ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
