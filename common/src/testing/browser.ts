import { solveChallenge } from 'altcha-lib';

/**
 * What a current desktop browser sends with an API call. The security layer treats a request
 * without these as a script (a known bot, or a suspect that must solve a challenge), so tests
 * and benchmarks that stand in for fans send them.
 */
export const BROWSER = {
  'user-agent':
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  accept: 'application/json',
  'accept-language': 'en-GB,en;q=0.9',
};

/**
 * Fetches a proof-of-work challenge from `challengeUrl` and solves it as the ALTCHA widget
 * does; the answer goes in the `X-Altcha` header of the request that was challenged.
 */
export async function solvedAltcha(challengeUrl: string, headers: Record<string, string> = {}) {
  const challenge = (await (
    await fetch(challengeUrl, { headers: { ...BROWSER, ...headers } })
  ).json()) as {
    algorithm: string;
    challenge: string;
    maxnumber: number;
    salt: string;
    signature: string;
  };
  const solution = await solveChallenge(
    challenge.challenge,
    challenge.salt,
    challenge.algorithm,
    challenge.maxnumber,
  ).promise;
  if (!solution) throw new Error('challenge not solvable');
  return Buffer.from(
    JSON.stringify({
      algorithm: challenge.algorithm,
      challenge: challenge.challenge,
      number: solution.number,
      salt: challenge.salt,
      signature: challenge.signature,
    }),
  ).toString('base64');
}
