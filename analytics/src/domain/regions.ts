import { countries, continents } from 'countries-list';

/**
 * Where fans and teams are. A fan's region is the continent of their account country
 * (`countries-list`); a team is its football association's country. England and Wales both
 * map to GB, which is how a fan's passport reads.
 */
const TEAM_COUNTRIES: Record<string, string> = {
  Argentina: 'AR',
  Australia: 'AU',
  Belgium: 'BE',
  Brazil: 'BR',
  Cameroon: 'CM',
  Canada: 'CA',
  'Costa Rica': 'CR',
  Croatia: 'HR',
  Denmark: 'DK',
  Ecuador: 'EC',
  England: 'GB',
  France: 'FR',
  Germany: 'DE',
  Ghana: 'GH',
  Iran: 'IR',
  Japan: 'JP',
  'Korea Republic': 'KR',
  Mexico: 'MX',
  Morocco: 'MA',
  Netherlands: 'NL',
  Poland: 'PL',
  Portugal: 'PT',
  Qatar: 'QA',
  'Saudi Arabia': 'SA',
  Senegal: 'SN',
  Serbia: 'RS',
  Spain: 'ES',
  Switzerland: 'CH',
  Tunisia: 'TN',
  USA: 'US',
  Uruguay: 'UY',
  Wales: 'GB',
};

export type Region = keyof typeof continents;

export const teamCountry = (team: string): string | undefined => TEAM_COUNTRIES[team];
export const knownTeams = () => Object.keys(TEAM_COUNTRIES);

export function regionOf(country: string | undefined): Region | undefined {
  if (!country) return undefined;
  return (countries as Record<string, { continent: string }>)[country.toUpperCase()]?.continent as
    Region | undefined;
}

export const regionName = (region: Region) => continents[region];

export function teamRegion(team: string): Region | undefined {
  return regionOf(teamCountry(team));
}

export const isCountryCode = (value: string) =>
  /^[A-Z]{2}$/.test(value) && value in (countries as Record<string, unknown>);
