'use client';
import { followsResponseSchema, type FollowInput, type FollowTarget } from '@ticketaka/contracts';
import Link from 'next/link';
import { useEffect, useState } from 'react';
import { callApi } from '../lib/api-client';
import { maybeSignedIn } from '../lib/signed-in-hint';

/** Knockout placeholders ("W49", "1A", "TBA") are not teams anyone can follow yet. */
export const isRealTeam = (team: string) => /^[\p{L} .'’-]{3,}$/u.test(team) && team !== 'TBA';

const sameTarget = (f: FollowTarget, input: FollowInput) =>
  'matchNumber' in input
    ? f.kind === 'match' && f.matchNumber === input.matchNumber
    : f.kind === 'team' && f.team.toLowerCase() === input.team.toLowerCase();

type State =
  { phase: 'loading' } | { phase: 'anonymous' } | { phase: 'ready'; follows: FollowTarget[] };

/**
 * Follow this match or one of its teams (told when seats come back and 24 h before kick-off).
 * Rendered the same for every visitor on the server and filled in the browser from
 * `GET /api/notifications/follows`, so a page cached for anonymous visitors never carries a
 * fan's follows; each button says its state with `aria-pressed`.
 */
export function FollowButtons({
  matchNumber,
  teams,
  signInNext,
}: {
  matchNumber: number;
  teams: string[];
  signInNext: string;
}) {
  const [state, setState] = useState<State>({ phase: 'loading' });
  const [busy, setBusy] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  useEffect(() => {
    if (!maybeSignedIn()) {
      setState({ phase: 'anonymous' });
      return;
    }
    let live = true;
    void callApi('/api/notifications/follows', { schema: followsResponseSchema }).then((r) => {
      if (!live) return;
      if (r.ok) setState({ phase: 'ready', follows: r.data.follows });
      else if (r.problem.status === 401) setState({ phase: 'anonymous' });
      else {
        setState({ phase: 'ready', follows: [] });
        setMessage(r.problem.message);
      }
    });
    return () => {
      live = false;
    };
  }, []);

  if (state.phase === 'anonymous')
    return (
      <p>
        <Link href={`/signin?next=${encodeURIComponent(signInNext)}`}>Sign in</Link> to follow this
        match or its teams.
      </p>
    );

  const targets: { input: FollowInput; label: string; id: string }[] = [
    { input: { matchNumber }, label: 'this match', id: `match-${matchNumber}` },
    ...teams
      .filter(isRealTeam)
      .map((team) => ({ input: { team }, label: team, id: `team-${team}` })),
  ];
  const toggle = async (input: FollowInput, following: boolean, id: string) => {
    setBusy(id);
    const result = await callApi('/api/notifications/follows', {
      method: following ? 'DELETE' : 'POST',
      body: input,
      schema: followsResponseSchema,
    });
    setBusy(null);
    if (result.ok) {
      setState({ phase: 'ready', follows: result.data.follows });
      setMessage(null);
    } else setMessage(result.problem.message);
  };

  return (
    <>
      <ul className="follow-buttons">
        {targets.map(({ input, label, id }) => {
          const following =
            state.phase === 'ready' && state.follows.some((f) => sameTarget(f, input));
          return (
            <li key={id}>
              <button
                type="button"
                className={following ? 'small' : 'small secondary'}
                aria-pressed={following}
                disabled={state.phase !== 'ready' || busy === id}
                onClick={() => toggle(input, following, id)}
              >
                {/* The name stays the same; aria-pressed says whether it is on. */}
                {following && <span aria-hidden="true">✓ </span>}
                Follow {label}
              </button>
            </li>
          );
        })}
      </ul>
      <p role="status" className="muted">
        {message ??
          (state.phase === 'ready' && state.follows.length > 0
            ? 'You will hear from us when seats come back and the day before kick-off.'
            : '')}
      </p>
    </>
  );
}
