/**
 * ISO 3166-1 alpha-2 codes, derived from the ICU data the runtime ships: a code is a country
 * when ICU knows a display name for it. Reserved and grouping codes are excluded explicitly.
 * Plain ECMAScript (Intl), so the server that validates and the page that offers the picker
 * agree on one list.
 */
const notCountries = new Set(['EU', 'EZ', 'UN', 'QO', 'XA', 'XB', 'XK', 'ZZ', 'AA', 'QM', 'QN']);

function buildCountryCodes(): Set<string> {
  const names = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });
  const codes = new Set<string>();
  for (let a = 65; a <= 90; a++) {
    for (let b = 65; b <= 90; b++) {
      const code = String.fromCharCode(a, b);
      if (!notCountries.has(code) && names.of(code) !== code) codes.add(code);
    }
  }
  return codes;
}

export const countryCodes = buildCountryCodes();
export const isCountryCode = (code: string) => countryCodes.has(code);

/** The picker's options, sorted by English name. */
export function countryOptions(): { code: string; name: string }[] {
  const names = new Intl.DisplayNames(['en'], { type: 'region' });
  return [...countryCodes]
    .map((code) => ({ code, name: names.of(code) ?? code }))
    .sort((a, b) => a.name.localeCompare(b.name, 'en'));
}
