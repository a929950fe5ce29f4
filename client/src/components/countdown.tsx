'use client';
import { useEffect, useRef, useState } from 'react';

const WARN_MS = 2 * 60_000;

/**
 * Time left until the server's lock deadline (the order's `expiresAt`, corrected by the
 * difference between the server's clock and the fan's). Two minutes before the end it says
 * so once, visibly and to screen readers (WCAG 2.2.1, timing adjustable).
 */
export function Countdown({
  deadline,
  clockSkew,
  onEnd,
}: {
  deadline: number;
  clockSkew: number;
  onEnd: () => void;
}) {
  const left = () => Math.max(0, deadline - (Date.now() + clockSkew));
  const [ms, setMs] = useState(left);
  const ended = useRef(false);
  useEffect(() => {
    const tick = () => {
      const remaining = left();
      setMs(remaining);
      if (remaining === 0 && !ended.current) {
        ended.current = true;
        onEnd();
      }
    };
    tick();
    const timer = setInterval(tick, 250);
    return () => clearInterval(timer);
  }, [deadline, clockSkew]);

  const seconds = Math.ceil(ms / 1000);
  const text = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
  const warn = ms > 0 && ms <= WARN_MS;
  return (
    <section className={`card ${warn ? 'notice warn' : ''}`} aria-labelledby="time-left">
      <h2 id="time-left">Time left to pay</h2>
      <p className="countdown" data-testid="countdown" suppressHydrationWarning>
        <span className="visually-hidden">Your seats are held for </span>
        <time dateTime={`PT${seconds}S`} suppressHydrationWarning>
          {text}
        </time>
      </p>
      <p className="muted" suppressHydrationWarning>
        Your seats are held until {new Date(deadline).toLocaleTimeString()}.
      </p>
      <div aria-live="assertive" role="alert" data-testid="countdown-warning">
        {warn ? 'Less than 2 minutes left to pay. After that your seats are released.' : ''}
      </div>
    </section>
  );
}
