/**
 * `jobbot doctor`: checks what Jobbot needs to work — its settings, its database, the Slack tokens,
 * each cluster and Jobbot's permissions there — and prints one ✔ or ✘ line per check, saying what is
 * wrong and what to do. Exit status 1 when any check failed. Changes nothing anywhere.
 */
import { type Config, ConfigError, type KubeSource } from '../config.js';
import { parseCommandArgs } from './args.js';
import { clusterRegistry } from './clusters.js';
import { type Check, checkLine, failed, ok, skipped } from './doctor-check.js';
import { clusterChecks } from './doctor-clusters.js';
import { databaseCheck, settingsCheck, slackChecks } from './doctor-local.js';
import { CliError, type CliIo, plural } from './io.js';
import { dbPath, fullConfig, kubeSource } from './settings.js';

export async function doctorCommand(args: readonly string[], io: CliIo): Promise<number> {
  const a = parseCommandArgs('doctor', args, { strings: ['namespace', 'db'] });
  const extra = (a.string('namespace') ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  const checks: Check[] = [];
  const show = (...more: Check[]) => {
    for (const c of more) io.stdout.write(`${checkLine(c)}\n`);
    checks.push(...more);
  };

  let config: Config | undefined;
  try {
    config = fullConfig(io);
    show(settingsCheck(config));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    show(
      failed(
        'settings',
        err.problems.join(' '),
        'set them in the environment or in .env (README.md, "Settings")',
      ),
    );
  }

  const db = databaseCheck(dbPath(a.string('db'), io));
  show(db.check);

  if (config) show(...(await slackChecks(config)));
  else show(skipped('Slack', 'not checked until the settings are fixed'));

  // The clusters need only KUBECONFIG, so they are checked even when a Slack setting is wrong.
  const source = config?.kube ?? kubeSourceOrUndefined(io);
  if (!source) show(skipped('Kubernetes', 'not checked until the settings are fixed'));
  else if (source.kind === 'none') {
    show(
      failed(
        'Kubernetes',
        `no configuration found (looked at ${source.looked.join(', ')})`,
        'set KUBECONFIG to a kubeconfig file, or run Jobbot in a pod with a service account',
      ),
    );
  } else {
    show(...(await kubernetesChecks(source, db.placements, extra)));
  }

  const bad = checks.filter((c) => c.result === 'failed').length;
  const good = checks.filter((c) => c.result === 'ok').length;
  io.stdout.write(
    bad === 0
      ? `\nAll ${plural(good, 'check', 'checks')} passed.\n`
      : `\n${plural(bad, 'check', 'checks')} failed, ${good} passed. Fix the lines marked ✘, then run jobbot doctor again.\n`,
  );
  return bad === 0 ? 0 : 1;
}

async function kubernetesChecks(
  source: KubeSource,
  placements: Parameters<typeof clusterChecks>[1],
  extra: string[],
): Promise<Check[]> {
  let registry: ReturnType<typeof clusterRegistry>;
  try {
    registry = clusterRegistry(source);
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    return [failed('Kubernetes', err.message)];
  }
  try {
    if (registry.names().length === 0) {
      return [
        failed(
          'Kubernetes',
          'the kubeconfig has no contexts',
          'add a context for each cluster Jobbot should use',
        ),
      ];
    }
    const checks = await clusterChecks(registry, placements, extra);
    return checks.length > 0 ? checks : [ok('Kubernetes', 'nothing to check')];
  } finally {
    registry.stop();
  }
}

function kubeSourceOrUndefined(io: CliIo): KubeSource | undefined {
  try {
    return kubeSource(io);
  } catch (err) {
    if (err instanceof CliError) return undefined;
    throw err;
  }
}
