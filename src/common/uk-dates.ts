/** One calendar day, for arithmetic on dates held as UTC midnights (no time zone, so every day is this long). */
export const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/**
 * 01:00 UTC on the last Sunday of the month (0-based) of `year`: when UK clocks change. Every month this is
 * asked for (March, October) has 31 days.
 */
function lastSundayOneAm(year: number, month: number): number {
  const lastDay = Date.UTC(year, month, 31);
  return lastDay - new Date(lastDay).getUTCDay() * DAY_MS + HOUR_MS;
}

/**
 * The calendar date of `instant` in the UK (Europe/London), YYYY-MM-DD: the one UK-date rule of both apps.
 * Computed from the UK's clock rule (GMT, and BST one hour ahead from 01:00 UTC on the last Sunday of March
 * to 01:00 UTC on the last Sunday of October, the rule since 1996), not with Intl.DateTimeFormat and a
 * `timeZone`: that loads ICU's time-zone data, megabytes of the node binary's pages in every process that
 * formats a date (docs/operations.md, "Memory of a frontend worker").
 */
export function ukDate(instant: Date): string {
  const time = instant.getTime();
  const year = instant.getUTCFullYear();
  const summer = time >= lastSundayOneAm(year, 2) && time < lastSundayOneAm(year, 9);
  return new Date(summer ? time + HOUR_MS : time).toISOString().slice(0, 10);
}
