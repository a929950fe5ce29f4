/** Where to go after signing in: only a path on this site (never another origin). */
export function safeNext(value: string | string[] | undefined): string {
  const v = Array.isArray(value) ? value[0] : value;
  return v && /^\/(?![/\\])[\w\-./?=&%]*$/.test(v) ? v : '/';
}
