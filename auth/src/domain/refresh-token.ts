import { createHash, randomBytes } from 'node:crypto';

/** 256 random bits: unguessable, so only its hash needs storing. */
export const newRefreshToken = () => randomBytes(32).toString('base64url');

export const hashRefreshToken = (token: string) => createHash('sha256').update(token).digest();

/** What a refresh token looks like; anything else is refused before any database work. */
export const REFRESH_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
