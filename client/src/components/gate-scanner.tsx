'use client';
import { checkInResponseSchema, type CodeKeys } from '@ticketaka/contracts';
import jsQR from 'jsqr';
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { callApi } from '../lib/api-client';
import {
  gateKeys,
  queueAdmission,
  queuedScans,
  settleScan,
  verifyOffline,
} from '../lib/offline-gate';

type Verdict = { ok: true; text: string } | { ok: false; text: string };

/**
 * Pick the match and gate, then scan: the camera's frames are decoded in the browser with
 * jsQR, or a code is pasted. Each code goes to POST /api/check-in; the server decides. When
 * the network is gone the gate decides with the kept public keys and its own memory
 * (lib/offline-gate.ts) and sends those admissions, with their scan time, once it is back;
 * a ticket the server had already admitted elsewhere is listed as a double entry.
 */
export function GateScanner() {
  const [matchNumber, setMatchNumber] = useState('');
  const [gate, setGate] = useState('');
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const [admitted, setAdmitted] = useState(0);
  const [camera, setCamera] = useState(false);
  const video = useRef<HTMLVideoElement>(null);
  const lastCode = useRef<{ code: string; at: number } | null>(null);
  const keys = useRef<CodeKeys | undefined>(undefined);
  const [waiting, setWaiting] = useState(0);
  const [doubles, setDoubles] = useState<string[]>([]);

  /** Sends the scans made offline, oldest first; stops at the first one the network still fails. */
  const sync = useCallback(async () => {
    for (const scan of queuedScans()) {
      const result = await callApi('/api/check-in', {
        method: 'POST',
        body: {
          code: scan.code,
          matchNumber: scan.matchNumber,
          gate: scan.gate,
          scannedAt: scan.scannedAt,
        },
        schema: checkInResponseSchema,
      });
      if (!result.ok && result.problem.status === 0) break;
      settleScan(scan);
      if (!result.ok)
        setDoubles((d) => [
          ...d,
          `${result.problem.code === 'already_admitted' ? 'Double entry' : 'Refused at sync'}: ticket ${scan.ticketId.slice(0, 8)}, let in offline at ${scan.scannedAt.slice(11, 16)} UTC by ${scan.gate}. ${result.problem.message}`,
        ]);
    }
    setWaiting(queuedScans().length);
  }, []);

  useEffect(() => {
    void gateKeys().then((k) => (keys.current = k));
    setWaiting(queuedScans().length);
    void sync();
    const online = () => {
      void gateKeys().then((k) => (keys.current = k ?? keys.current));
      void sync();
    };
    window.addEventListener('online', online);
    return () => window.removeEventListener('online', online);
  }, [sync]);

  async function admitOffline(code: string, match: number) {
    if (!keys.current) {
      setVerdict({ ok: false, text: 'Offline, and this gate has no keys yet: reconnect once' });
      return;
    }
    const check = await verifyOffline(code, keys.current, match);
    if (!check.ok) {
      setVerdict({ ok: false, text: `Offline: ${check.reason}` });
      return;
    }
    queueAdmission({
      code,
      ticketId: check.ticketId,
      matchNumber: match,
      gate: gate.trim(),
      scannedAt: new Date().toISOString(),
    });
    setWaiting(queuedScans().length);
    setAdmitted((n) => n + 1);
    setVerdict({ ok: true, text: `Admitted offline: category ${check.category}` });
  }

  async function admit(code: string) {
    const match = Number(matchNumber);
    if (!Number.isInteger(match) || match < 1 || !gate.trim()) {
      setVerdict({ ok: false, text: 'Choose the match and the gate first' });
      return;
    }
    const result = await callApi('/api/check-in', {
      method: 'POST',
      body: { code: code.trim(), matchNumber: match, gate: gate.trim() },
      schema: checkInResponseSchema,
    });
    if (result.ok) {
      setAdmitted((n) => n + 1);
      setVerdict({ ok: true, text: `Admitted: category ${result.data.ticket.category}` });
      if (queuedScans().length > 0) void sync();
    } else if (result.problem.status === 0) {
      await admitOffline(code.trim(), match);
    } else {
      setVerdict({ ok: false, text: result.problem.message });
    }
  }

  useEffect(() => {
    if (!camera) return;
    let stream: MediaStream | undefined;
    let frame = 0;
    const canvas = document.createElement('canvas');
    const context = canvas.getContext('2d', { willReadFrequently: true });
    const scan = () => {
      const v = video.current;
      if (v && context && v.readyState === v.HAVE_ENOUGH_DATA) {
        canvas.width = v.videoWidth;
        canvas.height = v.videoHeight;
        context.drawImage(v, 0, 0);
        const image = context.getImageData(0, 0, canvas.width, canvas.height);
        const found = jsQR(image.data, image.width, image.height);
        // The same code held in front of the camera is sent once, not every frame.
        const seen = lastCode.current;
        if (found && (!seen || seen.code !== found.data || Date.now() - seen.at > 5000)) {
          lastCode.current = { code: found.data, at: Date.now() };
          void admit(found.data);
        }
      }
      frame = requestAnimationFrame(scan);
    };
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: 'environment' } })
      .then((s) => {
        stream = s;
        if (video.current) {
          video.current.srcObject = s;
          void video.current.play();
        }
        frame = requestAnimationFrame(scan);
      })
      .catch(() => {
        setVerdict({ ok: false, text: 'The camera is not available; paste the code instead' });
        setCamera(false);
      });
    return () => {
      cancelAnimationFrame(frame);
      stream?.getTracks().forEach((t) => t.stop());
    };
    // admit reads the current match and gate from state on every call.
  }, [camera, matchNumber, gate]);

  function paste(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const code = String(new FormData(form).get('code') ?? '');
    if (code.trim()) void admit(code).then(() => form.reset());
  }

  return (
    <section className="gate">
      <div className="row">
        <label>
          Match number
          <input
            name="matchNumber"
            inputMode="numeric"
            value={matchNumber}
            onChange={(e) => setMatchNumber(e.target.value)}
          />
        </label>
        <label>
          Gate
          <input name="gate" value={gate} onChange={(e) => setGate(e.target.value)} />
        </label>
        <button type="button" onClick={() => setCamera((c) => !c)}>
          {camera ? 'Stop camera' : 'Scan with camera'}
        </button>
      </div>
      {camera && <video ref={video} muted playsInline className="gate-video" />}
      <form onSubmit={paste}>
        <div className="field">
          <label htmlFor="gate-code">Or paste a code</label>
          <textarea id="gate-code" name="code" rows={3} />
        </div>
        <button type="submit">Check in</button>
      </form>
      {verdict && (
        <p
          role="status"
          data-testid="gate-verdict"
          className={verdict.ok ? 'gate-verdict admitted' : 'gate-verdict refused'}
        >
          {verdict.text}
        </p>
      )}
      <p data-testid="gate-count">Admitted at this gate: {admitted}</p>
      <p data-testid="gate-waiting" aria-live="polite">
        {waiting > 0
          ? `${waiting} admission${waiting === 1 ? '' : 's'} made offline, waiting to be sent`
          : 'Every admission is recorded'}
      </p>
      {doubles.length > 0 && (
        <section aria-labelledby="doubles" className="notice bad">
          <h2 id="doubles">Found when the offline admissions were sent</h2>
          <p>
            The first admission the server recorded stands; tell the stewards’ supervisor about each
            of these.
          </p>
          <ul>
            {doubles.map((d) => (
              <li key={d}>{d}</li>
            ))}
          </ul>
        </section>
      )}
    </section>
  );
}
