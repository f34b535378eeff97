/**
 * `PUT /api/v1/jobs/{name}`: create or change a job definition from a pipeline (GitOps). The body is
 * the Job as YAML (cluster and namespace in the query) or JSON (JobPutBody); either way it goes through
 * DefinitionService.save, so it is checked exactly as a definition saved in Slack. Answers 201 when it
 * created the definition, 200 when it saved a new revision, and 200 without a new revision when nothing
 * changed (same YAML text, cluster, namespace and description), so re-applying a repository is quiet.
 */
import type { IncomingMessage } from 'node:http';
import type { FieldError } from '../../domain/definition/index.js';
import { DEFAULT_MAX_YAML_BYTES, parseJobYaml, renderYaml } from '../../domain/definition/index.js';
import type { DefinitionService } from '../../services/definitions.js';
import { type TokenService, tokenActor } from '../../services/tokens.js';
import type { DefinitionRecord } from '../../store/definitions.js';
import { sendJson } from '../server.js';
import { type HandlerContext, HttpError, validBody } from './handlers.js';
import { JobPutBody, type JobPutOut } from './schemas.js';

/** The body limit of this route: the YAML limit of a definition. */
export const MAX_PUT_BYTES = DEFAULT_MAX_YAML_BYTES;

const YAML_TYPES = new Set(['application/yaml', 'text/yaml', 'application/x-yaml']);

export interface JobsPutDeps {
  tokens: Pick<TokenService, 'allows'>;
  definitions: Pick<DefinitionService, 'find' | 'save'>;
}

type Request = { cluster: string; namespace: string; description: string | undefined; yaml: string };

export function putJob(deps: JobsPutDeps) {
  return async ({ req, res, url, token }: HandlerContext, name: string): Promise<void> => {
    if (!deps.tokens.allows(token, name))
      throw new HttpError(403, 'forbidden', `This token may not use the job \`${name}\`.`);
    const request = await readRequest(req, url);

    const parsed = parseJobYaml(request.yaml);
    if (parsed.ok && parsed.name !== undefined && parsed.name !== name)
      throw invalid(`metadata.name is ${parsed.name}, but the path says ${name}.`, [
        {
          path: 'metadata.name',
          message: `must be ${name}, the name in the path`,
          line: parsed.lineOf('metadata.name'),
        },
      ]);

    const current = deps.definitions.find(name);
    const description = request.description ?? current?.description ?? '';
    if (
      current &&
      current.yaml === request.yaml &&
      current.cluster === request.cluster &&
      current.namespace === request.namespace &&
      current.description === description
    ) {
      sendJson(res, 200, out(current, false, false));
      return;
    }
    const result = await deps.definitions.save(
      {
        mode: 'yaml',
        cluster: request.cluster,
        namespace: request.namespace,
        description,
        yaml: request.yaml,
      },
      tokenActor(token),
      current ? { name, revision: current.revision } : undefined,
    );
    if (!result.ok) {
      if (result.forbidden)
        throw new HttpError(403, 'forbidden', result.errors[0]?.message ?? 'Refused by the policy.');
      if (result.errors.some((e) => /while you edited/.test(e.message)))
        throw new HttpError(
          409,
          'conflict',
          `Job \`${name}\` changed while this request was saving it; nothing was saved. Send it again.`,
          {},
          fieldStrings(result.errors),
        );
      throw invalid(`Job \`${name}\` was not saved: the definition is not valid.`, result.errors);
    }
    const d = result.definition;
    sendJson(res, result.created ? 201 : 200, out(d, result.created, true), {
      location: `/api/v1/jobs/${encodeURIComponent(d.name)}`,
    });
  };
}

function out(d: DefinitionRecord, created: boolean, changed: boolean): JobPutOut {
  return {
    name: d.name,
    description: d.description,
    cluster: d.cluster,
    namespace: d.namespace,
    revision: d.revision,
    created,
    changed,
    links: { dispatches: `/api/v1/jobs/${encodeURIComponent(d.name)}/dispatches` },
  };
}

/** `path (line N): message`, the shape of the error body's `fields`. */
export function fieldStrings(errors: FieldError[]): string[] {
  return errors.map((e) => `${e.path || 'yaml'}${e.line ? ` (line ${e.line})` : ''}: ${e.message}`);
}

function invalid(message: string, errors: FieldError[]): HttpError {
  return new HttpError(422, 'invalid_definition', message, {}, fieldStrings(errors));
}

async function readRequest(req: IncomingMessage, url: URL): Promise<Request> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const isYaml = YAML_TYPES.has(type);
  if (!isYaml && type !== 'application/json')
    throw new HttpError(
      415,
      'unsupported_media_type',
      'Send the Job as application/yaml (or text/yaml, application/x-yaml), or JSON as application/json.',
    );
  const text = await readText(req);
  if (isYaml) {
    const q = (k: string) => url.searchParams.get(k)?.trim() || undefined;
    const cluster = q('cluster');
    const namespace = q('namespace');
    const missing = [
      ...(cluster ? [] : ['cluster: query parameter required for a YAML body']),
      ...(namespace ? [] : ['namespace: query parameter required for a YAML body']),
    ];
    if (!cluster || !namespace)
      throw new HttpError(
        422,
        'invalid_request',
        'Say where the job runs: ?cluster=…&namespace=…',
        {},
        missing,
      );
    return { cluster, namespace, description: url.searchParams.get('description') ?? undefined, yaml: text };
  }
  let json: unknown;
  try {
    json = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw new HttpError(400, 'invalid_json', 'The request body is not valid JSON.');
  }
  const b = validBody(JobPutBody, json, 422);
  return {
    cluster: b.cluster,
    namespace: b.namespace,
    description: b.description,
    yaml: b.yaml ?? renderYaml(b.job!),
  };
}

/** The body as text; stops reading at MAX_PUT_BYTES. */
async function readText(req: IncomingMessage): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_PUT_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_PUT_BYTES) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function tooLarge(): HttpError {
  return new HttpError(413, 'body_too_large', `The request body is larger than ${MAX_PUT_BYTES} bytes.`, {
    connection: 'close',
  });
}
