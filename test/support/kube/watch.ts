/**
 * Watch streams (`?watch=true`): newline-delimited JSON events on a 200 response.
 *
 * Glossary:
 * - position: the resourceVersion a stream has delivered up to; a BOOKMARK moves it forward
 *   without an object change.
 * - initial events: with no resourceVersion (or "0") a watch first gets a synthetic ADDED for
 *   every matching object, as the API server's "start at most recent" does.
 * - expiry: a watch whose resourceVersion is older than the store's compacted revision gets an
 *   ERROR event holding a 410 Expired Status, inside the 200 stream, and the stream ends.
 * - muted: a stream that stays open but never sends again (no event, bookmark or end), as a
 *   connection silently dropped by a proxy or NAT looks to the client.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClockTimer, EmulatedClock } from './clock.js';
import { type FieldSelector, type LabelSelector, matchesFields, matchesLabels } from './selectors.js';
import { tooOld } from './status.js';
import type { ChangeEvent, ObjectStore } from './store.js';
import type { KubeObject, ResourceName } from './types.js';

export interface WatchRequest {
  resource: ResourceName;
  namespace: string | undefined;
  labels: LabelSelector;
  fields: FieldSelector;
  resourceVersion: string | undefined;
  allowBookmarks: boolean;
  sendInitialEvents: boolean;
  timeoutSeconds: number | undefined;
  kind: string;
  apiVersion: string;
  /** Turns an object into what the event carries (the object itself, or a Table for kubectl -w). */
  render: (obj: KubeObject) => unknown;
}

class WatchStream {
  position: number;
  private timers: ClockTimer[] = [];
  private unsubscribe: (() => void) | undefined;
  closed = false;
  muted = false;

  constructor(
    private readonly hub: WatchHub,
    private readonly res: ServerResponse,
    readonly w: WatchRequest,
    start: number,
  ) {
    this.position = start;
  }

  matches(obj: KubeObject | undefined): boolean {
    if (!obj) return false;
    if (this.w.namespace !== undefined && obj.metadata.namespace !== this.w.namespace) return false;
    return (
      matchesLabels(this.w.labels, obj.metadata.labels) && matchesFields(this.w.resource, this.w.fields, obj)
    );
  }

  /** Goes silent for good while keeping the connection open. */
  mute(): void {
    this.muted = true;
    this.unsubscribe?.();
    for (const t of this.timers) t.cancel();
    this.timers = [];
  }

  send(type: string, object: unknown): void {
    if (this.closed || this.muted) return;
    this.res.write(`${JSON.stringify({ type, object })}\n`);
  }

  deliver(e: ChangeEvent): void {
    if (e.resource !== this.w.resource || e.revision <= this.position) return;
    this.position = e.revision;
    const now = this.matches(e.object);
    if (e.type === 'MODIFIED') {
      const before = this.matches(e.previous);
      if (now && before) this.send('MODIFIED', this.w.render(e.object));
      else if (now) this.send('ADDED', this.w.render(e.object));
      else if (before) {
        // Leaving the selection reads as a deletion of the previous state at the new revision.
        const prev = structuredClone(e.previous!);
        prev.metadata.resourceVersion = String(e.revision);
        this.send('DELETED', this.w.render(prev));
      }
    } else if (now) this.send(e.type, this.w.render(e.object));
  }

  bookmark(revision: number, annotations?: Record<string, string>): void {
    if (!this.w.allowBookmarks) return;
    this.position = Math.max(this.position, revision);
    const metadata: Record<string, unknown> = { resourceVersion: String(this.position) };
    if (annotations) metadata.annotations = annotations;
    this.send('BOOKMARK', { kind: this.w.kind, apiVersion: this.w.apiVersion, metadata });
  }

  start(
    store: ObjectStore,
    clock: EmulatedClock,
    bookmarkMs: number,
    initial: KubeObject[] | undefined,
    backlog: ChangeEvent[],
  ): void {
    this.res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    this.res.flushHeaders();
    if (initial) {
      for (const obj of initial) if (this.matches(obj)) this.send('ADDED', this.w.render(obj));
      if (this.w.sendInitialEvents)
        this.bookmark(store.resourceVersion, { 'k8s.io/initial-events-end': 'true' });
    }
    for (const e of backlog) this.deliver(e);
    this.unsubscribe = store.subscribe((e) => this.deliver(e));
    const tick = () => {
      this.bookmark(store.resourceVersion);
      this.timers.push(clock.setTimeout(tick, bookmarkMs));
    };
    if (this.w.allowBookmarks) this.timers.push(clock.setTimeout(tick, bookmarkMs));
    if (this.w.timeoutSeconds !== undefined) {
      this.timers.push(clock.setTimeout(() => this.close(), this.w.timeoutSeconds * 1000));
    }
  }

  expire(oldest: number): void {
    this.send('ERROR', tooOld(this.position, oldest));
    this.close();
  }

  close(abrupt = false): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    for (const t of this.timers) t.cancel();
    this.hub.forget(this);
    if (abrupt) this.res.socket?.destroy();
    else this.res.end();
  }
}

export class WatchHub {
  private readonly streams = new Set<WatchStream>();

  constructor(
    private readonly store: ObjectStore,
    private readonly clock: EmulatedClock,
    private readonly bookmarkMs: () => number,
  ) {}

  get openCount(): number {
    return this.streams.size;
  }

  /** What each open stream watches, e.g. to check that a client holds one watch per namespace and kind. */
  openRequests(): WatchRequest[] {
    return [...this.streams].map((s) => s.w);
  }

  open(req: IncomingMessage, res: ServerResponse, w: WatchRequest): void {
    const rv = w.resourceVersion;
    const fromScratch = rv === undefined || rv === '' || rv === '0';
    const requested = fromScratch ? this.store.resourceVersion : Number(rv);
    const stream = new WatchStream(this, res, w, requested);
    this.streams.add(stream);
    req.on('close', () => stream.close());
    res.on('close', () => stream.close());
    if (fromScratch) {
      stream.start(this.store, this.clock, this.bookmarkMs(), this.store.list(w.resource, w.namespace), []);
      return;
    }
    const backlog = this.store.changesSince(requested);
    if (backlog === 'expired') {
      stream.start(this.store, this.clock, this.bookmarkMs(), undefined, []);
      stream.expire(this.store.compactedRevision + 1);
      return;
    }
    stream.start(this.store, this.clock, this.bookmarkMs(), undefined, backlog);
  }

  forget(stream: WatchStream): void {
    this.streams.delete(stream);
  }

  /** Ends every open stream: cleanly (clients re-watch) or by destroying the socket. */
  dropAll(abrupt = false): number {
    const all = [...this.streams];
    for (const s of all) s.close(abrupt);
    return all.length;
  }

  /** Sends the 410 ERROR event to open streams positioned before `revision`, then ends them. */
  expireBefore(revision: number): number {
    const hit = [...this.streams].filter((s) => s.position < revision);
    for (const s of hit) s.expire(this.store.compactedRevision + 1);
    return hit.length;
  }

  /** Every open stream goes silent but stays open; returns how many. Later watches are unaffected. */
  muteAll(): number {
    const open = [...this.streams].filter((s) => !s.muted);
    for (const s of open) s.mute();
    return open.length;
  }

  bookmarkAll(): void {
    for (const s of this.streams) s.bookmark(this.store.resourceVersion);
  }
}
