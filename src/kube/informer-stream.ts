/**
 * One kind of object (Jobs or Pods) in one cluster and namespace, followed by client-node's ListWatch
 * informer, kept running whatever the API server does.
 *
 * ListWatch re-lists by itself after 410 Expired and re-watches after a clean end of the stream, but
 * on any other error (a 500, a reset connection, a failed list) it stops for good. So after an error
 * this stream starts a new generation after a capped, jittered exponential backoff; the new one lists
 * afresh and its cache replaces the old one, which keeps answering (not synced) meanwhile.
 *
 * Glossary:
 * - generation: one ListWatch instance with its own Watch.
 * - served: the generation whose cache answers `list()`: the last one that completed a list.
 * - synced: the served cache holds a complete list and the watch after it is open, so every later
 *   change arrives.
 * - silence: no event, bookmark or end of stream for `silenceMs` while synced. A connection cut
 *   somewhere in between (a NAT or proxy dropping it) can leave a watch open and silent for ever, so
 *   the watchdog treats silence as a failure: a new generation lists afresh. Watches ask for bookmarks
 *   and for a server-side timeout, so a healthy but quiet watch is never silent that long.
 */
import {
  type ConfigurationOptions,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  ListWatch,
  Watch,
} from '@kubernetes/client-node';
import type { Logger } from '../logger.js';
import { abortable, withTimeout } from './timeout.js';

export interface StreamSink<T> {
  /** Added or modified in the served cache. */
  changed(obj: T): void;
  /** Gone from the served cache (a DELETE event, or missing from a re-list); obj is its last state. */
  deleted(obj: T): void;
  /** A (re)list completed: every cached object, and those the previous generation had but it lacks. */
  listed(objects: readonly T[], vanished: readonly T[]): void;
  /** The stream became synced (after a list, once its watch opened). */
  synced?(): void;
  /** The stream failed and waits to restart; `reason` is `expired` (410), `silent` or `error`. */
  failed?(reason: 'expired' | 'silent' | 'error'): void;
}

export interface StreamOptions {
  initialBackoffMs: number;
  maxBackoffMs: number;
  listTimeoutMs: number;
  /** Silence (no event, bookmark or end) on a synced watch after which it is restarted. */
  silenceMs: number;
  /** Asked of the API server, which then ends each watch after about this long. */
  watchTimeoutSeconds: number;
  random: () => number;
}

export interface StreamSpec<T extends KubernetesObject> {
  kubeConfig: KubeConfig;
  /** API path of the namespaced collection, e.g. /api/v1/namespaces/x/pods. */
  path: string;
  labelSelector: string;
  /** Lists the collection; pass `options` on to the client call so stop() can abort it. */
  list: (options: ConfigurationOptions) => Promise<KubernetesListObject<T>>;
  /** For the log: cluster, namespace and kind. */
  context: Record<string, string>;
}

class StoppedError extends Error {}

class SilentWatchError extends Error {
  constructor(readonly ms: number) {
    super(`no event or bookmark for ${ms} ms`);
  }
}

interface WatchHooks {
  /** ListWatch starts a watch: after a list, its cache holds the list by now. */
  starting(): void;
  /** The API server answered 200: events flow. */
  opened(): void;
  /** An event or bookmark arrived. */
  activity(): void;
}

/** A Watch whose open stream can be aborted from outside, and that tells when one starts and opens. */
class TrackedWatch extends Watch {
  #stopped = false;
  #current: AbortController | undefined;

  constructor(
    kc: KubeConfig,
    private readonly hooks: WatchHooks,
    private readonly timeoutSeconds: number,
  ) {
    super(kc);
  }

  override async watch(
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    // ListWatch only aborts the request it already holds; one still connecting would outlive stop().
    if (this.#stopped) return new AbortController();
    this.hooks.starting();
    // Bookmarks and a server-side end keep a healthy watch audible, so the watchdog can tell silence.
    const asked = { ...query, allowWatchBookmarks: true, timeoutSeconds: this.timeoutSeconds };
    const heard = (phase: string, apiObj: unknown, watchObj?: unknown) => {
      this.hooks.activity();
      callback(phase, apiObj, watchObj);
    };
    const controller = await super.watch(path, asked, heard, done);
    // A refused watch has called done(err) by now, and that stopped this Watch.
    if (this.#stopped) controller.abort();
    else {
      this.#current = controller;
      this.hooks.opened();
    }
    return controller;
  }

  stop(): void {
    this.#stopped = true;
    this.#current?.abort();
  }
}

class Generation<T extends KubernetesObject> {
  stopped = false;
  /** A list resolved; ListWatch fills its cache before it starts the next watch. */
  listing = false;
  /** The list is in the cache; synced once the watch after it opens. */
  opening = false;
  readonly abort = new AbortController();
  readonly watch: TrackedWatch;
  readonly informer: ListWatch<T>;

  constructor(
    spec: StreamSpec<T>,
    list: () => Promise<KubernetesListObject<T>>,
    hooks: WatchHooks,
    timeoutSeconds: number,
  ) {
    this.watch = new TrackedWatch(spec.kubeConfig, hooks, timeoutSeconds);
    this.informer = new ListWatch<T>(spec.path, this.watch, list, false, spec.labelSelector);
  }

  stop(): void {
    this.stopped = true;
    this.abort.abort();
    void this.informer.stop();
    this.watch.stop();
  }
}

export class InformerStream<T extends KubernetesObject> {
  #active: Generation<T> | undefined;
  #served: Generation<T> | undefined;
  #synced = false;
  #closed = false;
  #failures = 0;
  #down = false;
  #healthySince: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #watchdog: NodeJS.Timeout | undefined;
  #lastHeard = Date.now();
  #downSince: number | undefined = Date.now();

  constructor(
    private readonly spec: StreamSpec<T>,
    private readonly sink: StreamSink<T>,
    private readonly log: Logger,
    private readonly opts: StreamOptions,
  ) {}

  get synced(): boolean {
    return this.#synced;
  }

  /** Since when the stream has not been synced (its start, a re-list, a failure); undefined when synced. */
  get downSince(): number | undefined {
    return this.#downSince;
  }

  list(): readonly T[] {
    return this.#served?.informer.list() ?? [];
  }

  start(): void {
    if (this.#closed) return;
    const gen: Generation<T> = new Generation(
      this.spec,
      () => this.#list(gen),
      {
        starting: () => {
          if (!gen.listing) return;
          gen.listing = false;
          this.#listed(gen);
        },
        opened: () => {
          if (gen === this.#active) this.#lastHeard = Date.now();
          if (!gen.opening || gen.stopped) return;
          gen.opening = false;
          if (this.#down) this.log.info({ ...this.spec.context }, 'watch resumed after a re-list');
          this.#down = false;
          this.#synced = true;
          this.#downSince = undefined;
          this.#healthySince = Date.now();
          this.sink.synced?.();
        },
        activity: () => {
          if (gen === this.#active) this.#lastHeard = Date.now();
        },
      },
      this.opts.watchTimeoutSeconds,
    );
    this.#active = gen;
    const { informer } = gen;
    // Events of a generation still on its first list are covered by the listed() that follows it.
    const forward = (fn: (obj: T) => void) => (obj: T) => {
      if (gen === this.#served && !gen.stopped) fn(obj);
    };
    const changed = forward((obj) => this.sink.changed(obj));
    informer.on('add', changed);
    informer.on('update', changed);
    informer.on(
      'delete',
      forward((obj) => this.sink.deleted(obj)),
    );
    informer.on('error', (err) => this.#failed(gen, err));
    informer.start().catch((err: unknown) => this.#failed(gen, err));
    this.#armWatchdog();
  }

  stop(): void {
    this.#closed = true;
    this.#synced = false;
    clearTimeout(this.#timer);
    clearTimeout(this.#watchdog);
    this.#timer = undefined;
    this.#watchdog = undefined;
    this.#active?.stop();
    this.#served?.stop();
  }

  /** Checks a few times per silence period; only a synced stream can be silent (else it is listing). */
  #armWatchdog(): void {
    if (this.#watchdog || this.#closed) return;
    const every = Math.max(10, Math.floor(this.opts.silenceMs / 4));
    this.#watchdog = setTimeout(() => {
      this.#watchdog = undefined;
      const gen = this.#active;
      const quietFor = Date.now() - this.#lastHeard;
      if (gen && this.#synced && quietFor > this.opts.silenceMs)
        this.#failed(gen, new SilentWatchError(this.opts.silenceMs));
      this.#armWatchdog();
    }, every);
    this.#watchdog.unref();
  }

  #unsynced(): void {
    this.#downSince ??= Date.now();
    this.#synced = false;
  }

  async #list(gen: Generation<T>): Promise<KubernetesListObject<T>> {
    if (gen === this.#served) this.#unsynced();
    const list = await withTimeout(this.spec.list(abortable(gen.abort.signal)), this.opts.listTimeoutMs);
    // ListWatch goes on to watch after a list even when stopped meanwhile; failing here prevents it.
    if (gen.stopped) throw new StoppedError('stopped');
    gen.listing = true;
    return list;
  }

  #listed(gen: Generation<T>): void {
    if (gen.stopped) return;
    const previous = this.#served;
    this.#served = gen;
    const objects = gen.informer.list();
    let vanished: T[] = [];
    if (previous && previous !== gen) {
      const now = new Set(objects.map(key));
      vanished = previous.informer.list().filter((o) => !now.has(key(o)));
    }
    gen.opening = true;
    this.sink.listed(objects, vanished);
  }

  #failed(gen: Generation<T>, err: unknown): void {
    if (gen.stopped || gen !== this.#active || this.#closed) return;
    gen.stop();
    this.#unsynced();
    this.#down = true;
    this.sink.failed?.(failureReason(err));
    const healthyFor = this.#healthySince === undefined ? 0 : Date.now() - this.#healthySince;
    // A watch that ran fine for a while starts over at the shortest wait; one failing at once backs off.
    if (healthyFor >= this.opts.maxBackoffMs) this.#failures = 0;
    this.#healthySince = undefined;
    this.#failures++;
    const { initialBackoffMs, maxBackoffMs, random } = this.opts;
    const base = Math.min(maxBackoffMs, initialBackoffMs * 2 ** (this.#failures - 1));
    const delayMs = Math.round(base * (0.8 + 0.4 * random()));
    this.log.warn(
      { ...this.spec.context, error: describe(err), failures: this.#failures, retryInMs: delayMs },
      'watch failed; restarting with a fresh list',
    );
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.start();
    }, delayMs);
    this.#timer.unref();
  }
}

function key(obj: KubernetesObject): string {
  return `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}

function failureReason(err: unknown): 'expired' | 'silent' | 'error' {
  if (err instanceof SilentWatchError) return 'silent';
  const e = err as { statusCode?: number; code?: unknown };
  return e.statusCode === 410 || e.code === 410 ? 'expired' : 'error';
}

function describe(err: unknown): string {
  const e = err as { statusCode?: number; code?: unknown; message?: string; cause?: { code?: string } };
  if (typeof e.statusCode === 'number') return `HTTP ${e.statusCode}`;
  if (typeof e.code === 'number') return `HTTP ${e.code}`;
  const sys = e.cause?.code ?? (typeof e.code === 'string' ? e.code : undefined);
  return sys ?? e.message ?? String(err);
}
