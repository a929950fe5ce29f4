/**
 * A hint (not a credential) that this browser signed in: the session itself is in HttpOnly
 * cookies that scripts cannot see, so without it every visitor's page would ask auth for a
 * refresh it cannot have. Set on sign-in/up, cleared on sign-out or a refused refresh.
 */
const KEY = 'ticketaka-signed-in';
export const markSignedIn = () => localStorage.setItem(KEY, '1');
export const markSignedOut = () => localStorage.removeItem(KEY);
export const maybeSignedIn = () => localStorage.getItem(KEY) === '1';
