import type { DestinationStream } from 'pino';

/**
 * Log lines for a person reading a terminal: pino-pretty's coloured one-liners when `local` (development),
 * stdout is a TTY and pino-pretty (a dev dependency, absent from the production image) is installed.
 * Otherwise undefined, and the logger writes its JSON lines as everywhere else.
 */
export async function terminalLogDestination(
  local: boolean,
  stdout: { isTTY?: boolean } = process.stdout,
): Promise<DestinationStream | undefined> {
  if (!local || !stdout.isTTY) return undefined;
  try {
    const { default: pretty } = await import('pino-pretty');
    return pretty({
      messageKey: 'message',
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,app',
      sync: true,
    });
  } catch {
    return undefined;
  }
}
