/**
 * The settings the commands read, exactly as Jobbot reads them (the environment, then `.env` in the
 * working folder): config.ts stays the only reader of the environment.
 */
import path from 'node:path';
import { type Config, ConfigError, type KubeSource, loadConfig, loadDbPath } from '../config.js';
import { CliError, type CliIo } from './io.js';

/** --db, else JOBBOT_DB, else ./data/jobbot.db. */
export function dbPath(given: string | undefined, io: CliIo): string {
  return given
    ? path.resolve(io.cwd, given)
    : loadDbPath({ ...(io.env ? { env: io.env } : {}), cwd: io.cwd });
}

/** Every setting, validated as at start-up; a problem throws ConfigError. */
export function fullConfig(io: CliIo): Config {
  return loadConfig({ ...(io.env ? { env: io.env as NodeJS.ProcessEnv } : {}), cwd: io.cwd });
}

// Import and export talk to no Slack workspace, so they must not depend on the Slack settings being
// present: neutral stand-ins take their place, and every other setting is validated as Jobbot does.
const NO_SLACK = {
  SLACK_BOT_TOKEN: 'xoxb-not-used-by-the-cli',
  SLACK_SIGNING_SECRET: 'not-used-by-the-cli',
  SLACK_APP_TOKEN: 'xapp-not-used-by-the-cli',
  SLACK_API_URL: 'https://slack.com/api/',
};

/** Where the clusters come from (KUBECONFIG, ~/.kube/config or the pod's service account). */
export function kubeSource(io: CliIo): KubeSource {
  return cliConfig(io).kube;
}

/** The settings the CLI shares with the app (clusters, the policy), without the Slack ones. */
export function cliConfig(io: CliIo): Config {
  try {
    return loadConfig({ env: { ...(io.env ?? process.env), ...NO_SLACK }, cwd: io.cwd });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new CliError(
      'bad_settings',
      `Jobbot's settings have problems:\n${err.problems.map((p) => `  - ${p}`).join('\n')}\nFix them in the environment or in .env (README.md, "Settings").`,
    );
  }
}
