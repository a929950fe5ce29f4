/**
 * Venue → IANA time zone, for showing a kick-off at the venue's local time. The organiser's
 * master list names stadiums only; every one of its venues is in Qatar. An unknown venue
 * falls back to UTC, which the page then says.
 */
const zones: Record<string, string> = {
  'Al Bayt Stadium': 'Asia/Qatar',
  'Khalifa International Stadium': 'Asia/Qatar',
  'Al Thumama Stadium': 'Asia/Qatar',
  'Ahmad Bin Ali Stadium': 'Asia/Qatar',
  'Lusail Stadium': 'Asia/Qatar',
  'Stadium 974': 'Asia/Qatar',
  'Education City Stadium': 'Asia/Qatar',
  'Al Janoub Stadium': 'Asia/Qatar',
};

export const venueTimeZone = (venue: string) => zones[venue] ?? 'UTC';
