'use client';
import { followsResponseSchema, type FollowInput } from '@ticketaka/contracts';
import { callApi } from '../lib/api-client';
import { ActionButton } from './action-button';

/** Stops following a match or team from the account page, then renders the list again. */
export function UnfollowButton({ target, label }: { target: FollowInput; label: string }) {
  return (
    <ActionButton
      className="small secondary"
      send={() =>
        callApi('/api/notifications/follows', {
          method: 'DELETE',
          body: target,
          schema: followsResponseSchema,
        })
      }
    >
      Unfollow<span className="visually-hidden"> {label}</span>
    </ActionButton>
  );
}
