// A Logger for WebClient / SocketModeClient / Bolt that swallows everything: tests that provoke Slack
// errors on purpose should not fill the output with the clients' "[ERROR] ..." lines.

import { type Logger, LogLevel } from '@slack/web-api';

export function silentLogger(): Logger {
  let level = LogLevel.ERROR;
  const noop = () => undefined;
  return {
    debug: noop,
    info: noop,
    warn: noop,
    error: noop,
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: noop,
  };
}
