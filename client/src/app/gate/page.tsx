import type { Metadata } from 'next';
import { GateScanner } from '../../components/gate-scanner';
import { requireFan } from '../../lib/require-fan';

export const metadata: Metadata = { title: 'Gate' };

/** Stewards admit fans: scan with the camera or paste a code; the answer is big and unmistakable. */
export default async function GatePage() {
  if (!(await requireFan('/gate'))) return null;
  return (
    <>
      <h1>Gate check-in</h1>
      <GateScanner />
    </>
  );
}
