/**
 * What a failed Kubernetes call means for Jobbot. client-node throws ApiException with the HTTP code
 * and the raw response text as `body` (a Status object as JSON), or a network error from fetch; this
 * turns both into a small union the services can act on without knowing the client.
 */
import { ApiException } from '@kubernetes/client-node';
import { TimeoutError } from './timeout.js';

export interface FieldCause {
  /** Kubernetes field path, e.g. spec.template.spec.containers[0].image. */
  field: string;
  message: string;
}

export type KubeFailure =
  | { kind: 'invalid'; message: string; causes: FieldCause[] }
  | { kind: 'forbidden'; message: string }
  | { kind: 'not_found'; message: string }
  | { kind: 'conflict'; message: string }
  | { kind: 'unavailable'; message: string };

interface Status {
  message?: string;
  reason?: string;
  details?: { causes?: { field?: string; message?: string; reason?: string }[] };
}

export function classifyKubeError(err: unknown): KubeFailure {
  if (err instanceof ApiException) {
    const status = parseStatus(err.body);
    const message = status?.message ?? `the API server answered HTTP ${err.code}`;
    switch (err.code) {
      case 422:
      case 400:
        return {
          kind: 'invalid',
          message,
          causes: (status?.details?.causes ?? []).map((c) => ({
            field: c.field ?? '',
            message: c.message ?? c.reason ?? '',
          })),
        };
      case 401:
      case 403:
        return { kind: 'forbidden', message };
      case 404:
        return { kind: 'not_found', message };
      case 409:
        return { kind: 'conflict', message };
      default:
        return { kind: 'unavailable', message };
    }
  }
  if (err instanceof TimeoutError) return { kind: 'unavailable', message: err.message };
  const e = err as { message?: string; cause?: { code?: string }; code?: string };
  const code = e.cause?.code ?? e.code;
  return { kind: 'unavailable', message: code ? `cannot connect (${code})` : (e.message ?? String(err)) };
}

function parseStatus(body: unknown): Status | undefined {
  if (typeof body === 'object' && body !== null) return body as Status;
  if (typeof body !== 'string') return undefined;
  try {
    return JSON.parse(body) as Status;
  } catch {
    return undefined;
  }
}
