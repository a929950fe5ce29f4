import geoip from 'geoip-country';
import { isCountryCode } from '../domain/regions';

/**
 * The country of a client address, from the GeoLite2 Country data that the `geoip-country`
 * package carries inside its npm tarball (loaded into memory once, at start-up; nothing is
 * downloaded at install or run time). Loopback, private and unknown addresses have none.
 *
 * Attribution required by the data's licence (CC BY-SA 4.0 and the GeoLite2 EULA):
 * "This product includes GeoLite2 data created by MaxMind, available from
 * https://www.maxmind.com". The EULA also asks for a release no older than 30 days after a
 * newer one: keep the package's version current (see analytics/README.md).
 */
export function countryOfAddress(address: string | undefined): string | undefined {
  if (!address) return undefined;
  const country = geoip.lookup(address)?.country?.toUpperCase();
  return country && isCountryCode(country) ? country : undefined;
}
