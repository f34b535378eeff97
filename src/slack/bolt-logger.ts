/** Bolt logs through pino, so its messages land in the same JSON stream with the same redaction. */
import { type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import type { Logger } from '../logger.js';

export function boltLogger(log: Logger): BoltLogger {
  const child = log.child({ component: 'bolt' });
  let level = LogLevel.INFO;
  // Bolt and its clients pass several loose arguments; pino wants one message string.
  const text = (msg: unknown[]) => msg.map((m) => (typeof m === 'string' ? m : JSON.stringify(m))).join(' ');
  return {
    debug: (...msg) => child.debug(text(msg)),
    info: (...msg) => child.info(text(msg)),
    warn: (...msg) => child.warn(text(msg)),
    error: (...msg) => child.error(text(msg)),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
