/** `jobbot doctor`'s checks of the settings, the database and the Slack tokens. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { webApi } from '@slack/bolt';
import type { Config } from '../config.js';
import { createLogger } from '../logger.js';
import { boltLogger } from '../slack/bolt-logger.js';
import { SlackIdentity, SlackTokenRejected } from '../slack/identity.js';
import { DefinitionRepository } from '../store/definitions.js';
import { LATEST_SCHEMA, openReadOnly, schemaVersion } from './database.js';
import { type Check, failed, ok } from './doctor-check.js';
import { errorText, plural } from './io.js';

export function settingsCheck(config: Config): Check {
  const mode = config.slack.appToken ? 'Socket Mode' : `HTTP on port ${config.port}`;
  const kube =
    config.kube.kind === 'files'
      ? `kubeconfig ${config.kube.paths.join(', ')}`
      : config.kube.kind === 'in-cluster'
        ? "the pod's service account"
        : 'no Kubernetes configuration';
  const access = config.filePath
    ? `access rules from ${config.filePath}`
    : 'no JOBBOT_CONFIG, so every workspace member may do everything';
  return ok('settings', `valid (${mode}, command ${config.command}, ${kube}, ${access})`);
}

/** Job placements of the saved definitions: cluster → namespaces. */
export type Placements = Map<string, Set<string>>;

export function databaseCheck(file: string): { check: Check; placements: Placements | undefined } {
  const subject = `database ${file}`;
  if (!existsSync(file)) {
    const folder = nearestFolder(path.dirname(file));
    return {
      check: ok(subject, `not created yet; Jobbot creates it at its first start (in ${folder})`),
      placements: undefined,
    };
  }
  let db: ReturnType<typeof openReadOnly> | undefined;
  try {
    db = openReadOnly(file);
    const version = schemaVersion(db);
    if (version > LATEST_SCHEMA) {
      return {
        check: failed(
          subject,
          `schema ${version} is newer than this Jobbot (${LATEST_SCHEMA})`,
          'run the Jobbot version that wrote it, or restore a backup made by this version',
        ),
        placements: undefined,
      };
    }
    if (version < LATEST_SCHEMA) {
      return {
        check: ok(subject, `opens, schema ${version}; Jobbot migrates it to ${LATEST_SCHEMA} when it starts`),
        placements: undefined,
      };
    }
    const { placements, jobs } = readPlacements(db);
    return {
      check: ok(subject, `opens, schema ${version} (up to date), ${plural(jobs, 'job', 'jobs')}`),
      placements,
    };
  } catch (err) {
    return {
      check: failed(
        subject,
        `cannot be read: ${errorText(err)}`,
        'check the file and its permissions, or restore a backup',
      ),
      placements: undefined,
    };
  } finally {
    db?.close();
  }
}

function readPlacements(db: ReturnType<typeof openReadOnly>): { placements: Placements; jobs: number } {
  const placements: Placements = new Map();
  const { items } = new DefinitionRepository(db).list({ offset: 0, limit: 100_000 });
  for (const d of items) {
    const set = placements.get(d.cluster) ?? new Set<string>();
    set.add(d.namespace);
    placements.set(d.cluster, set);
  }
  return { placements, jobs: items.length };
}

function nearestFolder(folder: string): string {
  let at = folder;
  while (!existsSync(at) && path.dirname(at) !== at) at = path.dirname(at);
  return at;
}

export async function slackChecks(config: Config): Promise<Check[]> {
  const log = createLogger('silent');
  const options: webApi.WebClientOptions = {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    logger: boltLogger(log),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 10_000,
  };
  const where = config.slack.apiUrl ?? 'https://slack.com/api/';
  const checks: Check[] = [];
  const identity = new SlackIdentity(new webApi.WebClient(config.slack.botToken, options), log);
  try {
    const me = await identity.start();
    if (me)
      checks.push(ok('Slack bot token', `works for workspace ${me.team}${me.url ? ` (${me.url})` : ''}`));
    else
      checks.push(
        failed(
          'Slack bot token',
          `Slack did not answer auth.test at ${where} (${identity.status().error})`,
          'check the network, any proxy, and SLACK_API_URL',
        ),
      );
  } catch (err) {
    if (!(err instanceof SlackTokenRejected)) throw err;
    checks.push(failed('Slack bot token', err.message));
  } finally {
    identity.stop();
  }
  if (config.slack.appToken) {
    try {
      await new webApi.WebClient(config.slack.appToken, options).apps.connections.open();
      checks.push(ok('Slack app token', 'works: Slack offers Socket Mode connections'));
    } catch (err) {
      const code = (err as { data?: { error?: string } }).data?.error ?? errorText(err);
      checks.push(
        failed(
          'Slack app token',
          `Slack refused SLACK_APP_TOKEN for Socket Mode (${code})`,
          'create an App-Level Token with the connections:write scope under "Basic Information" of the Slack app and set it as SLACK_APP_TOKEN',
        ),
      );
    }
  }
  return checks;
}
