/**
 * metav1.Status bodies and the error type the handlers throw to send one.
 *
 * Glossary: a "group resource" names what failed the way the API server prints it, e.g.
 * `jobs.batch` for Jobs and plain `pods` for core resources; `details.kind` carries the plural
 * resource for NotFound/AlreadyExists but the Kind for Invalid, exactly as the real server does.
 */

export interface StatusCause {
  reason: string;
  message: string;
  field: string;
}

export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[] };
  code: number;
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly body: StatusBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(body.message ?? `HTTP ${code}`);
  }
}

export interface GroupResource {
  group: string;
  resource: string;
}

function qualified(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

function failure(code: number, reason: string, message: string, details?: StatusBody['details']): StatusBody {
  const body: StatusBody = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  };
  if (details) body.details = details;
  return body;
}

export function notFound(gr: GroupResource, name: string): ApiError {
  const details = gr.group ? { name, group: gr.group, kind: gr.resource } : { name, kind: gr.resource };
  return new ApiError(404, failure(404, 'NotFound', `${qualified(gr)} "${name}" not found`, details));
}

export function pathNotFound(): ApiError {
  return new ApiError(404, failure(404, 'NotFound', 'the server could not find the requested resource', {}));
}

export function alreadyExists(gr: GroupResource, name: string): ApiError {
  const details = gr.group ? { name, group: gr.group, kind: gr.resource } : { name, kind: gr.resource };
  return new ApiError(
    409,
    failure(409, 'AlreadyExists', `${qualified(gr)} "${name}" already exists`, details),
  );
}

export function conflict(gr: GroupResource, name: string, detail: string): ApiError {
  const details = gr.group ? { name, group: gr.group, kind: gr.resource } : { name, kind: gr.resource };
  return new ApiError(
    409,
    failure(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qualified(gr)} "${name}": ${detail}`,
      details,
    ),
  );
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, failure(400, 'BadRequest', message));
}

export function methodNotAllowed(): ApiError {
  return new ApiError(
    405,
    failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {}),
  );
}

export function unsupportedMediaType(contentType: string, accepted: string[]): ApiError {
  return new ApiError(
    415,
    failure(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
      { causes: [{ reason: 'UnsupportedMediaType', message: contentType, field: '' }] },
    ),
  );
}

export function unauthorized(): ApiError {
  return new ApiError(401, failure(401, 'Unauthorized', 'Unauthorized'));
}

export function invalid(kind: string, group: string, name: string, causes: StatusCause[]): ApiError {
  // Like field.ErrorList.ToAggregate(), the message lists identical errors once; causes keep all.
  const rendered = [...new Set(causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)))];
  const summary = rendered.length === 1 ? rendered[0] : `[${rendered.join(', ')}]`;
  const qualifiedKind = group ? `${kind}.${group}` : kind;
  const details = group ? { name, group, kind, causes } : { name, kind, causes };
  return new ApiError(
    422,
    failure(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${summary}`, details),
  );
}

/** A 422 that is not about one object's fields (json-patch operations that cannot apply). */
export function unprocessable(message: string): ApiError {
  return new ApiError(422, failure(422, 'Invalid', message));
}

export function injectedFailure(code: number, message: string): ApiError {
  const reasons: Record<number, string> = {
    429: 'TooManyRequests',
    500: 'InternalError',
    503: 'ServiceUnavailable',
    504: 'Timeout',
  };
  return new ApiError(code, failure(code, reasons[code] ?? 'InternalError', message));
}

export function tooOld(requested: number, oldest: number): StatusBody {
  return failure(410, 'Expired', `too old resource version: ${requested} (${oldest})`);
}

export function success(details: StatusBody['details']): StatusBody {
  const body: StatusBody = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 };
  if (details) body.details = details;
  return body;
}
