// `npm run chaos` (full) or `npm run chaos -- --short`; `--partner-sync` (or PARTNER_SYNC=true)
// adds Kafka and the kafka-bridge and their faults. See docs/operations.md.
import {
  formatReport,
  FULL_PROFILE,
  runChaos,
  SHORT_PROFILE,
  type ChaosProfile,
} from './chaos-run';

/** CHAOS_BUYERS, CHAOS_CAPACITY, CHAOS_LOCK_SECONDS, CHAOS_POSTGRES_DOWN_S resize a profile. */
function sized(profile: ChaosProfile): ChaosProfile {
  const number = (name: string) => {
    const value = process.env[name];
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value) || Number(value) < 1)
      throw new Error(`${name} must be a positive whole number`);
    return Number(value);
  };
  const postgresDown = number('CHAOS_POSTGRES_DOWN_S');
  return {
    ...profile,
    buyers: number('CHAOS_BUYERS') ?? profile.buyers,
    capacity: number('CHAOS_CAPACITY') ?? profile.capacity,
    lockSeconds: number('CHAOS_LOCK_SECONDS') ?? profile.lockSeconds,
    portOffset: number('CHAOS_PORT_OFFSET') ?? profile.portOffset,
    faults: profile.faults.map((f) =>
      postgresDown && f.kind === 'server' && f.name === 'postgres'
        ? { ...f, downMs: postgresDown * 1000 }
        : f,
    ),
  };
}

async function main() {
  const profile = sized(process.argv.includes('--short') ? SHORT_PROFILE : FULL_PROFILE);
  const partnerSync =
    process.argv.includes('--partner-sync') || process.env.PARTNER_SYNC === 'true';
  const report = await runChaos(profile, (line) => console.log(`[chaos] ${line}`), {
    partnerSync,
  });
  console.log(formatReport(report));
  process.exitCode = report.violations.length === 0 ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
