import { readFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const read = (f: string) => readFileSync(path.join(root, f), 'utf8');

describe('slack-manifest.yml', () => {
  const manifest = yaml.load(read('slack-manifest.yml')) as {
    features: {
      slash_commands: { command: string; url: string; should_escape: boolean }[];
      shortcuts: { callback_id: string }[];
    };
    oauth_config: { scopes: { bot: string[] } };
    settings: {
      interactivity: { is_enabled: boolean; request_url: string };
      event_subscriptions: { request_url: string; bot_events: string[] };
    };
  };

  it('declares the default slash command and points everything at /slack/events', () => {
    expect(manifest.features.slash_commands[0]).toMatchObject({ command: '/job', should_escape: true });
    for (const url of [
      manifest.features.slash_commands[0]!.url,
      manifest.settings.interactivity.request_url,
      manifest.settings.event_subscriptions.request_url,
    ]) {
      expect(url).toMatch(/\/slack\/events$/);
    }
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.event_subscriptions.bot_events).toContain('app_home_opened');
  });

  it('asks for the scopes Jobbot uses', () => {
    expect(manifest.oauth_config.scopes.bot).toEqual(
      expect.arrayContaining([
        'commands',
        'chat:write',
        'files:write',
        'files:read',
        'users:read',
        'usergroups:read',
      ]),
    );
    expect(manifest.features.shortcuts.map((s) => s.callback_id)).toContain('create_job_from_yaml');
  });
});

describe('Kubernetes manifests', () => {
  const docs = yaml.loadAll(read('manifests/jobbot.yaml')) as {
    kind: string;
    spec?: Record<string, unknown>;
    rules?: { verbs: string[]; resources: string[] }[];
  }[];

  it('run one replica that is recreated, probed on /readyz and /healthz', () => {
    const deployment = docs.find((d) => d.kind === 'Deployment')!;
    expect(deployment.spec).toMatchObject({ replicas: 1, strategy: { type: 'Recreate' } });
    const text = JSON.stringify(deployment);
    expect(text).toContain('/readyz');
    expect(text).toContain('/healthz');
  });

  it('grant no more than Jobs, pods and pod logs', () => {
    const role = docs.find((d) => d.kind === 'Role')!;
    expect(role.rules!.flatMap((r) => r.resources).sort()).toEqual(['jobs', 'pods', 'pods/log']);
  });
});

describe('Dockerfile', () => {
  it('builds with the lock file and runs as a non-root user', () => {
    const text = read('Dockerfile');
    expect(text).toContain('npm ci');
    expect(text).toMatch(/^USER node$/m);
    expect(text).toContain('CMD ["node", "dist/main.js"]');
  });
});
