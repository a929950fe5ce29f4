// `npm run chaos` (full, ~10 minutes) or `npm run chaos -- --short`: see docs/operations.md.
import { formatReport, FULL_PROFILE, runChaos, SHORT_PROFILE } from './chaos-run';

async function main() {
  const profile = process.argv.includes('--short') ? SHORT_PROFILE : FULL_PROFILE;
  const offset = process.env.CHAOS_PORT_OFFSET;
  const report = await runChaos(
    offset ? { ...profile, portOffset: Number(offset) } : profile,
    (line) => console.log(`[chaos] ${line}`),
  );
  console.log(formatReport(report));
  process.exitCode = report.violations.length === 0 ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
