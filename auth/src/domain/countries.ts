// The one list of countries lives in the contracts, so the sign-up form offers what auth accepts.
export { countryCodes, isCountryCode } from '@ticketaka/contracts';
