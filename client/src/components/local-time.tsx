'use client';
import { useEffect, useState } from 'react';
import { dateTime } from '../lib/format';

/**
 * A time in the fan's own time zone, which only the browser knows: the server renders it in
 * UTC and the browser replaces it after hydration.
 */
export function LocalTime({ iso }: { iso: string }) {
  const [text, setText] = useState(() => dateTime(iso, 'UTC'));
  useEffect(() => setText(dateTime(iso)), [iso]);
  return <time dateTime={iso}>{text}</time>;
}
