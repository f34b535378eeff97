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

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: 'jobbot' },
      redact: { paths: REDACT, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
