import { pino, type Logger, type LoggerOptions, type DestinationStream } from 'pino';
import { redactSecrets } from './redact.js';

export type { Logger };

export interface LoggerSettings {
  app: string;
  level?: string;
  destination?: DestinationStream;
}

const CENSOR = 'REDACTED';
/** Fields censored wherever they sit one level down in a logged object (`{ document: { key } }`). */
const SECRET_FIELDS = ['key', 'email_address', 'signed_data'] as const;

/**
 * JSON lines on stdout: time, level, message, app and pid on every line. Request-scoped children add the
 * trace id. Header values that carry secrets are censored, so are the fields named in SECRET_FIELDS one level
 * down (in a line's object and in a child's bindings), and every string message goes through redaction.
 */
export function createLogger({ app, level = 'info', destination }: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level,
    messageKey: 'message',
    base: { app, pid: process.pid },
    timestamp: isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      log: censorSecretFields,
    },
    // Paths under fixed top-level names only: pino runs a path starting with `*` on every field of every line.
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'res.headers["set-cookie"]',
        'headers.authorization',
        'headers.cookie',
      ],
      censor: CENSOR,
    },
    hooks: {
      logMethod(args, method) {
        for (let i = 0; i < args.length; i += 1) {
          const arg: unknown = args[i];
          if (typeof arg === 'string') (args as unknown[])[i] = redactSecrets(arg);
        }
        method.apply(this, args);
      },
    },
    serializers: {
      err: (err: unknown) => serializeError(err),
    },
  };
  const logger = destination ? pino(options, destination) : pino(options);
  // Children are made from their parent (pino's Object.create), so every descendant binds through this.
  const child = logger.child;
  logger.child = function (this: Logger, bindings, childOptions) {
    return child.call(this, censorSecretFields(bindings), childOptions);
  } as typeof child;
  return logger;
}

let timeSecond = Number.NaN;
let timePrefix = '';
/** The milliseconds of an ISO time and what follows them, for each of the 1000. */
const TIME_ENDINGS = Array.from({ length: 1000 }, (_, ms) => `${String(ms).padStart(3, '0')}Z"`);

/**
 * pino's `time` field as an ISO date, like pino's own isoTime, without a Date and its formatting per line: the
 * date and time down to the second are made once a second.
 */
export function isoTime(now = Date.now()): string {
  const second = Math.floor(now / 1000);
  if (second !== timeSecond) {
    timeSecond = second;
    timePrefix = `,"time":"${new Date(second * 1000).toISOString().slice(0, 20)}`;
  }
  return timePrefix + TIME_ENDINGS[now - second * 1000];
}

/**
 * A logged object with its secret fields one level down censored: the object itself when there are none
 * (the usual case), otherwise a copy, so the caller's objects are never changed.
 */
export function censorSecretFields(object: Record<string, unknown>): Record<string, unknown> {
  let out = object;
  for (const name in object) {
    const value = object[name];
    if (typeof value !== 'object' || value === null || !hasSecretField(value)) continue;
    const censored: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const field of SECRET_FIELDS) if (Object.hasOwn(censored, field)) censored[field] = CENSOR;
    if (out === object) out = { ...object };
    out[name] = censored;
  }
  return out;
}

function hasSecretField(value: object): boolean {
  for (const field of SECRET_FIELDS) if (Object.hasOwn(value, field)) return true;
  return false;
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
