/**
 * Bounding a Kubernetes call in time: a hanging API server must become an error, not a stuck request.
 * The deadline aborts the HTTP request itself (through the client's per-call middleware), so the
 * socket is released; racing the promise as well keeps the bound even if a client ignored the signal.
 */
import { type ConfigurationOptions, Observable, type ObservableMiddleware } from '@kubernetes/client-node';

export class TimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

/** Races `promise` against `ms`; the promise's own work is not cancelled (see withDeadline). */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs `call` with client options that abort its request after `ms` (or when `outer` aborts); a call
 * cut by the deadline rejects with TimeoutError. A call that streams a long answer calls `progress`
 * as each part arrives, which starts the `ms` afresh: a stream that stalls is cut, one that keeps
 * coming is not (the caller bounds its whole length through `outer` if it must).
 */
export async function withDeadline<T>(
  ms: number,
  call: (options: ConfigurationOptions, progress: () => void) => Promise<T>,
  outer?: AbortSignal,
): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new TimeoutError(ms)), ms);
  let settled = false;
  // refresh() would re-arm a timer that already fired or was cleared: not once the call is over.
  const progress = () => {
    if (!settled && !controller.signal.aborted) timer.refresh();
  };
  const onOuter = () => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onOuter, { once: true });
  let stop: () => void = () => undefined;
  const aborted = new Promise<never>((_, reject) => {
    const fail = () => reject(controller.signal.reason);
    controller.signal.addEventListener('abort', fail, { once: true });
    stop = () => controller.signal.removeEventListener('abort', fail);
  });
  try {
    return await Promise.race([call(abortable(controller.signal), progress), aborted]);
  } catch (err) {
    throw controller.signal.aborted ? controller.signal.reason : err;
  } finally {
    settled = true;
    clearTimeout(timer);
    stop();
    outer?.removeEventListener('abort', onOuter);
  }
}

/** Client call options that end the request when `signal` aborts. */
export function abortable(signal: AbortSignal): ConfigurationOptions {
  const middleware: ObservableMiddleware = {
    pre: (context) => {
      context.setSignal(signal);
      return new Observable(Promise.resolve(context));
    },
    post: (context) => new Observable(Promise.resolve(context)),
  };
  // Appended: the configuration's own middleware (authentication) must stay in place.
  return { middleware: [middleware], middlewareMergeStrategy: 'append' };
}
