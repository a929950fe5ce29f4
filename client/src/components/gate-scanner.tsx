'use client';
import { checkInResponseSchema } from '@ticketaka/contracts';
import jsQR from 'jsqr';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { callApi } from '../lib/api-client';

type Verdict = { ok: true; text: string } | { ok: false; text: string };

/**
 * Pick the match and gate, then scan: the camera's frames are decoded in the browser with
 * jsQR, or a code is pasted. Each code goes to POST /api/check-in; the server decides.
 */
export function GateScanner() {
  const [matchNumber, setMatchNumber] = useState('');
  const [gate, setGate] = useState('');
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const [admitted, setAdmitted] = useState(0);
  const [camera, setCamera] = useState(false);
  const video = useRef<HTMLVideoElement>(null);
  const lastCode = useRef<{ code: string; at: number } | null>(null);

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
        <label>
          Or paste a code
          <textarea name="code" rows={3} />
        </label>
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
    </section>
  );
}
