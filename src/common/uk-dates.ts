// 'en-CA' formats as YYYY-MM-DD.
const LONDON_DATE = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});
const MINUTE_MS = 60_000;
/** One calendar day, for arithmetic on dates held as UTC midnights (no time zone, so every day is this long). */
export const DAY_MS = 86_400_000;
const MAX_REMEMBERED_MINUTES = 10_000;
// Formatting with a time zone is slow (it costs more than the rest of a document check). UK offsets are whole
// hours, so the date is the same for every instant of one minute: remember recent minutes (creation times and
// "now" repeat).
const ukDates = new Map<number, string>();

/** The calendar date of `instant` in the UK (Europe/London), YYYY-MM-DD: the one UK-date rule of both apps. */
export function ukDate(instant: Date): string {
  const minute = Math.floor(instant.getTime() / MINUTE_MS);
  let date = ukDates.get(minute);
  if (date === undefined) {
    date = LONDON_DATE.format(instant);
    if (ukDates.size >= MAX_REMEMBERED_MINUTES) ukDates.clear();
    ukDates.set(minute, date);
  }
  return date;
}
