/** Response bodies under test are untyped JSON; the assertions check their shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;
export const readJson = (response: Response): Promise<Json> => response.json();
