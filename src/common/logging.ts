import { pino, type Logger, type LoggerOptions, type DestinationStream } from 'pino';
import { redactSecrets } from './redact.js';

export type { Logger };

export interface LoggerSettings {
  app: string;
  level?: string;
  destination?: DestinationStream;
}

/**
 * JSON lines on stdout: time, level, message, app and pid on every line. Request-scoped children add the
 * trace id. Header values that carry secrets are censored, and every string message goes through redaction.
 */
export function createLogger({ app, level = 'info', destination }: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level,
    messageKey: 'message',
    base: { app, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'res.headers["set-cookie"]',
        'headers.authorization',
        'headers.cookie',
        '*.key',
        '*.email_address',
        '*.signed_data',
      ],
      censor: 'REDACTED',
    },
    hooks: {
      logMethod(args, method) {
        const redacted = args.map((arg) =>
          typeof arg === 'string' ? redactSecrets(arg) : arg,
        ) as typeof args;
        method.apply(this, redacted);
      },
    },
    serializers: {
      err: (err: unknown) => serializeError(err),
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** Error type and message only, redacted: stack traces can hold URLs with keys, so they stay out of logs. */
export function serializeError(err: unknown): Record<string, unknown> {
  if (err instanceof Error) {
    const out: Record<string, unknown> = { type: err.name, message: redactSecrets(err.message) };
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string') out.code = code;
    if (err.stack) out.stack = redactSecrets(err.stack);
    return out;
  }
  return { message: redactSecrets(String(err)) };
}
