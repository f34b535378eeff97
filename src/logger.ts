/**
 * pino JSON logs. Tokens and secrets are redacted wherever they appear in a logged object, so a
 * careless `log.info({ config })` or a logged Slack request never leaks them.
 */
import { type DestinationStream, type Logger, pino } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

const REDACT = [
  'token',
  '*.token',
  'botToken',
  '*.botToken',
  '*.*.botToken',
  'appToken',
  '*.appToken',
  '*.*.appToken',
  'signingSecret',
  '*.signingSecret',
  '*.*.signingSecret',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers["x-slack-signature"]',
];

/** Secret-looking values of the policy's patterns, masked in messages and logged objects alike. */
export interface LogMasking {
  text(s: string): string;
  object<T>(value: T): T;
}

export function createLogger(
  level: LogLevel,
  destination?: DestinationStream,
  mask?: () => LogMasking,
): Logger {
  return pino(
    {
      level,
      base: { app: 'jobbot' },
      redact: { paths: REDACT, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        ...(mask ? { log: (o: Record<string, unknown>) => mask().object(o) } : {}),
      },
      ...(mask
        ? {
            hooks: {
              logMethod(args: unknown[], method: (...a: unknown[]) => void) {
                method.apply(
                  this,
                  args.map((a) => (typeof a === 'string' ? mask().text(a) : a)),
                );
              },
            },
          }
        : {}),
    },
    destination,
  );
}
