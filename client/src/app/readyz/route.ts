import { serviceUrl } from '../../config';

/** Ready when the catalogue can be read: the first page a fan opens needs tickets. */
export const dynamic = 'force-dynamic';
export async function GET() {
  try {
    const response = await fetch(`${serviceUrl.tickets}/readyz`, {
      cache: 'no-store',
      signal: AbortSignal.timeout(2_000),
    });
    if (response.ok) return Response.json({ status: 'ready' });
  } catch {
    // answered below
  }
  return Response.json({ status: 'not ready', waitingFor: 'tickets' }, { status: 503 });
}
