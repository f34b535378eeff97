/**
 * `jobbot import PATH`: job definitions from files (GitOps). Each file goes through
 * DefinitionService.save, the path a definition saved in Slack takes (Kubernetes' rules, then the
 * cluster's server-side dry run), with the actor `cli`; a file whose Job is the same as the saved
 * one (comments and formatting aside) makes no new revision. An invalid file saves nothing; the
 * others are saved. `--dry-run` runs every check and saves nothing.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { type Actor, type AuditTrail, NO_AUDIT } from '../domain/actor.js';
import type { AuditAction } from '../domain/audit.js';
import { type FieldError, parseJobYaml } from '../domain/definition/index.js';
import { KubeJobs } from '../kube/jobs.js';
import { createLogger } from '../logger.js';
import { AccessService, NO_DIRECTORY } from '../services/access.js';
import { AuditService } from '../services/audit.js';
import { DefinitionService } from '../services/definitions.js';
import { AuditRepository } from '../store/audit.js';
import type { Db } from '../store/db.js';
import { type DefinitionRecord, DefinitionRepository } from '../store/definitions.js';
import { DraftRepository } from '../store/drafts.js';
import { parseCommandArgs } from './args.js';
import { clusterRegistry } from './clusters.js';
import { openForWriting } from './database.js';
import { type Defaults, MAX_FILE_BYTES, readSource, type SourceFile } from './definition-file.js';
import { type ImportOutcome, type ImportResult, writeReport } from './import-report.js';
import { ImportStore } from './import-store.js';
import { CliError, type CliIo, errorText } from './io.js';
import { cliConfig, dbPath } from './settings.js';

/**
 * Who imports: Jobbot itself on behalf of whoever may run commands beside it. Not a token actor:
 * no API token is involved, and the audit log would name a token owner that does not exist.
 */
export const CLI_ACTOR: Actor = { kind: 'system', id: 'cli', name: 'cli' };

const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

export async function importCommand(args: readonly string[], io: CliIo): Promise<number> {
  const a = parseCommandArgs('import', args, {
    strings: ['cluster', 'namespace', 'db'],
    booleans: ['dry-run'],
    positionals: ['PATH'],
  });
  const dryRun = a.flag('dry-run');
  const files = listFiles(path.resolve(io.cwd, a.positional(0)!));
  const config = cliConfig(io);
  const registry = clusterRegistry(config.kube, config.policy);
  const db = openForWriting(dbPath(a.string('db'), io));
  try {
    const store = new ImportStore(new DefinitionRepository(db), dryRun);
    const service = new DefinitionService(
      store,
      // Nobody waits inside Slack's 3 seconds here, so a slow API server gets the background time.
      new KubeJobs(registry, { interactiveMs: 30_000 }),
      new DraftRepository(db),
      dryRun ? NO_AUDIT : auditTrail(db, io),
      undefined,
      // The operator needs no Slack permission, but the guardrails hold for GitOps imports too.
      new AccessService(config.policy, NO_DIRECTORY, createLogger('silent')),
    );
    const defaults: Defaults = {
      cluster: a.string('cluster'),
      namespace: a.string('namespace'),
      clusters: registry.names(),
    };
    const seen = new Map<string, string>();
    const outcomes: ImportOutcome[] = [];
    for (const file of files) {
      const shown = path.relative(io.cwd, file) || file;
      outcomes.push({ file: shown, ...(await importFile(file, shown, { service, store, defaults, seen })) });
    }
    writeReport(io.stdout, outcomes, dryRun);
    return outcomes.some((o) => o.status === 'invalid') ? 1 : 0;
  } finally {
    registry.stop();
    db.close();
  }
}

interface Context {
  service: DefinitionService;
  store: ImportStore;
  defaults: Defaults;
  /** Job name → the file that defined it in this run. */
  seen: Map<string, string>;
}

async function importFile(file: string, shown: string, ctx: Context): Promise<ImportResult> {
  const text = readText(file);
  if (typeof text !== 'string') return invalid([text]);
  const source = readSource(text, ctx.defaults);
  if (!source.ok) return invalid(source.errors);

  const parsed = parseJobYaml(source.yaml);
  const name = parsed.ok ? parsed.name : undefined;
  if (name !== undefined) {
    const other = ctx.seen.get(name);
    if (other !== undefined) {
      return invalid([
        source.locate({
          path: 'name',
          message: `job ${name} is also defined in ${other}; keep it in one file.`,
        }),
      ]);
    }
    ctx.seen.set(name, shown);
  }
  const current = name === undefined ? undefined : ctx.service.find(name);
  const description = source.description ?? current?.description ?? '';
  if (current && parsed.ok && unchanged(current, source, description, parsed.manifest)) {
    return { status: 'unchanged', name: current.name, revision: current.revision };
  }

  ctx.store.lastChanges = [];
  const result = await ctx.service.save(
    {
      mode: 'yaml',
      cluster: source.cluster,
      namespace: source.namespace,
      description,
      yaml: source.yaml,
    },
    CLI_ACTOR,
    current ? { name: current.name, revision: current.revision } : undefined,
  );
  if (!result.ok) {
    if (result.errors.some((e) => /while you edited/.test(e.message))) {
      return invalid([
        {
          path: '',
          message: `job ${name} changed while import saved it; nothing was saved. Run import again.`,
        },
      ]);
    }
    return invalid(result.errors.map((e) => source.locate(e)));
  }
  const d = result.definition;
  if (result.created) {
    return {
      status: 'created',
      name: d.name,
      revision: d.revision,
      cluster: d.cluster,
      namespace: d.namespace,
    };
  }
  return { status: 'updated', name: d.name, revision: d.revision, changes: ctx.store.lastChanges };
}

/**
 * The same place and description, and the same Job: the same text, or a Job that reads the same
 * (so a form-made definition, exported as YAML, comes back unchanged).
 */
function unchanged(
  current: DefinitionRecord,
  source: Extract<SourceFile, { ok: true }>,
  description: string,
  template: unknown,
): boolean {
  return (
    current.cluster === source.cluster &&
    current.namespace === source.namespace &&
    current.description === description &&
    (current.yaml === source.yaml || isDeepStrictEqual(current.template, template))
  );
}

function invalid(errors: FieldError[]): ImportResult {
  return { status: 'invalid', errors };
}

function readText(file: string): string | FieldError {
  try {
    const size = statSync(file).size;
    if (size > MAX_FILE_BYTES) {
      return {
        path: '',
        message: `the file is ${Math.ceil(size / 1024)} KiB; a definition file holds at most ${MAX_FILE_BYTES / 1024} KiB.`,
      };
    }
    return readFileSync(file, 'utf8');
  } catch (err) {
    return { path: '', message: `cannot read the file: ${errorText(err)}` };
  }
}

/** PATH itself, or the .yaml, .yml and .json files directly in the folder PATH, by name. */
function listFiles(target: string): string[] {
  let isFolder: boolean;
  try {
    isFolder = statSync(target).isDirectory();
  } catch (err) {
    throw new CliError('path_unreadable', `cannot read ${target}: ${errorText(err)}. Check the path.`);
  }
  if (!isFolder) return [target];
  const files = readdirSync(target, { withFileTypes: true })
    .filter(
      (e) => e.isFile() && !e.name.startsWith('.') && EXTENSIONS.has(path.extname(e.name).toLowerCase()),
    )
    .map((e) => path.join(target, e.name))
    .sort();
  if (files.length === 0) {
    throw new CliError(
      'nothing_to_import',
      `${target} holds no .yaml, .yml or .json file (sub-folders are not read). Name the folder that holds the files.`,
    );
  }
  return files;
}

/** A lost audit entry is logged whole on standard error, apart from the report. */
function auditTrail(db: Db, io: CliIo): AuditTrail {
  const audit = new AuditService(new AuditRepository(db), createLogger('error', io.stderr));
  return {
    record: (actor, action, target, details) => audit.record(actor, action as AuditAction, target, details),
  };
}
