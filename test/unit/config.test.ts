import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const base = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'secret' };

function dir(): string {
  return mkdtempSync(path.join(tmpdir(), 'jobbot-config-'));
}

function problems(env: Record<string, string>, cwd = dir()): string[] {
  try {
    loadConfig({ env, cwd, home: cwd, inCluster: false });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const cwd = dir();
    const c = loadConfig({ env: base, cwd, home: cwd, inCluster: false });
    expect(c.port).toBe(3000);
    expect(c.command).toBe('/job');
    expect(c.logLevel).toBe('info');
    expect(c.dbPath).toBe(path.join(cwd, 'data', 'jobbot.db'));
    expect(c.slack.appToken).toBeUndefined();
    expect(c.slack.apiUrl).toBeUndefined();
    expect(c.kube).toEqual({ kind: 'none', looked: expect.any(Array) });
    expect(c.policy.configured).toBe(false);
  });

  it('names every missing variable at once and says where to get it', () => {
    const p = problems({});
    expect(p).toHaveLength(2);
    expect(p[0]).toMatch(/^SLACK_BOT_TOKEN is missing\. .*OAuth & Permissions.*slack-manifest\.yml/);
    expect(p[1]).toMatch(/^SLACK_SIGNING_SECRET is missing .*Basic Information.*SLACK_APP_TOKEN/);
  });

  it('does not need a signing secret in Socket Mode', () => {
    const c = loadConfig({
      env: { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' },
      cwd: dir(),
      inCluster: false,
    });
    expect(c.slack.appToken).toBe('xapp-1');
    expect(c.slack.signingSecret).toBeUndefined();
  });

  it.each([
    [{ SLACK_BOT_TOKEN: 'xoxp-user-token' }, /SLACK_BOT_TOKEN must be a bot token starting with xoxb-/],
    [{ SLACK_APP_TOKEN: 'xoxb-wrong' }, /SLACK_APP_TOKEN must be an app-level token starting with xapp-/],
    [{ PORT: 'eighty' }, /PORT must be a port number/],
    [{ PORT: '70000' }, /PORT must be between 0 and 65535/],
    [{ SLACK_API_URL: 'not a url' }, /SLACK_API_URL must be an http\(s\) URL/],
    [{ JOBBOT_COMMAND: 'job' }, /JOBBOT_COMMAND must be a slash command/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    [{ JOBBOT_LOG_CAP_BYTES: '10' }, /JOBBOT_LOG_CAP_BYTES must be at least 4096/],
    [{ JOBBOT_KEEP_FAILED_JOBS: 'yes' }, /JOBBOT_KEEP_FAILED_JOBS must be true or false/],
    [{ JOBBOT_LOG_RETENTION_DAYS: '0' }, /JOBBOT_LOG_RETENTION_DAYS must be at least 1/],
    [{ JOBBOT_LOG_RETENTION_MB: 'lots' }, /JOBBOT_LOG_RETENTION_MB must be a number of megabytes/],
    [{ JOBBOT_SLACK_BATCH_AFTER: '-1' }, /JOBBOT_SLACK_BATCH_AFTER must be 0 \(never batch\) or more/],
    [{ JOBBOT_SLACK_BATCH_AFTER: 'many' }, /JOBBOT_SLACK_BATCH_AFTER must be a number of dispatches/],
    [{ JOBBOT_SLACK_BATCH_WINDOW_SECONDS: '0' }, /JOBBOT_SLACK_BATCH_WINDOW_SECONDS must be at least 1/],
  ])('refuses %o with a clear message', (bad, message) => {
    const p = problems({ ...base, ...bad });
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(message);
  });

  it('normalises SLACK_API_URL to end with a slash', () => {
    const c = loadConfig({
      env: { ...base, SLACK_API_URL: 'http://127.0.0.1:9/api' },
      cwd: dir(),
      inCluster: false,
    });
    expect(c.slack.apiUrl).toBe('http://127.0.0.1:9/api/');
  });

  it('reads .env from the working directory, with the environment taking precedence', () => {
    const cwd = dir();
    writeFileSync(
      path.join(cwd, '.env'),
      'SLACK_BOT_TOKEN=xoxb-from-file\nSLACK_SIGNING_SECRET=s\nPORT=4000\n',
    );
    const c = loadConfig({ env: { PORT: '5000' }, cwd, inCluster: false });
    expect(c.slack.botToken).toBe('xoxb-from-file');
    expect(c.port).toBe(5000);
  });

  it('treats an empty variable as unset', () => {
    const p = problems({ ...base, SLACK_BOT_TOKEN: '' });
    expect(p[0]).toMatch(/SLACK_BOT_TOKEN is missing/);
  });

  it('follows the standard kubeconfig lookup: KUBECONFIG list, then ~/.kube/config, then in-cluster', () => {
    const cwd = dir();
    const list = ['a.yaml', 'b.yaml'].join(path.delimiter);
    expect(loadConfig({ env: { ...base, KUBECONFIG: list }, cwd, home: cwd }).kube).toEqual({
      kind: 'files',
      paths: [path.join(cwd, 'a.yaml'), path.join(cwd, 'b.yaml')],
    });
    expect(loadConfig({ env: base, cwd, home: cwd, inCluster: true }).kube).toEqual({ kind: 'in-cluster' });
    const home = dir();
    mkdirSync(path.join(home, '.kube'));
    writeFileSync(path.join(home, '.kube', 'config'), '');
    expect(loadConfig({ env: base, cwd, home, inCluster: true }).kube).toEqual({
      kind: 'files',
      paths: [path.join(home, '.kube', 'config')],
    });
  });

  describe('JOBBOT_CONFIG', () => {
    it('loads a YAML file', () => {
      const cwd = dir();
      writeFileSync(path.join(cwd, 'jobbot.yaml'), 'admins: { users: [U0ALICE001] }\n');
      const c = loadConfig({ env: { ...base, JOBBOT_CONFIG: 'jobbot.yaml' }, cwd, inCluster: false });
      expect(c.policy).toMatchObject({ configured: true, admins: { users: ['U0ALICE001'] } });
      expect(c.filePath).toBe(path.join(cwd, 'jobbot.yaml'));
    });

    it('says when the file is missing', () => {
      expect(problems({ ...base, JOBBOT_CONFIG: 'nope.yaml' })[0]).toMatch(
        /JOBBOT_CONFIG points to .*nope\.yaml, which cannot be read/,
      );
    });

    it('names the line of a YAML error', () => {
      const cwd = dir();
      writeFileSync(path.join(cwd, 'bad.yaml'), 'admins:\n  - U1\n bad: [\n');
      expect(problems({ ...base, JOBBOT_CONFIG: 'bad.yaml' }, cwd)[0]).toMatch(/line 3: is not valid YAML/);
    });

    it('refuses unknown top-level keys so a typo never disables a rule', () => {
      const cwd = dir();
      writeFileSync(path.join(cwd, 'typo.yaml'), 'admin: [U1]\n');
      expect(problems({ ...base, JOBBOT_CONFIG: 'typo.yaml' }, cwd)[0]).toMatch(
        /line 1 \(admin\): unknown key; did you mean `admins`\?/,
      );
    });
  });
});
