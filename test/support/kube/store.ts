/**
 * One cluster's object storage, playing etcd plus the API server's watch cache.
 *
 * Glossary:
 * - revision: the cluster-wide resourceVersion counter; every write of any resource bumps it, so
 *   resourceVersions are comparable across resources as with etcd.
 * - history: the bounded list of recent change events a watch can resume from.
 * - compacted revision: a watch must start at or after it; starting earlier answers 410 Expired.
 *
 * Objects are cloned on the way in and out so no caller can mutate stored state in place.
 */

import { clone, type KubeObject, type ResourceName } from './types.js';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ChangeEvent {
  type: ChangeType;
  resource: ResourceName;
  revision: number;
  object: KubeObject;
  /** The state before a MODIFIED; lets a filtered watch turn a change into ADDED or DELETED. */
  previous?: KubeObject;
}

export type ChangeListener = (event: ChangeEvent) => void;

function keyOf(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

export class ObjectStore {
  private revision = 0;
  private readonly items = new Map<ResourceName, Map<string, KubeObject>>();
  private readonly history: ChangeEvent[] = [];
  private compacted = 0;
  private readonly listeners = new Set<ChangeListener>();

  constructor(private historyLimit: number) {}

  get resourceVersion(): number {
    return this.revision;
  }

  /** Watches starting before this revision get 410 Expired. */
  get compactedRevision(): number {
    return this.compacted;
  }

  setHistoryLimit(limit: number): void {
    this.historyLimit = Math.max(1, limit);
    this.trimHistory();
  }

  /** Forgets history so that a watch from a revision below `revision` expires. */
  compact(revision: number): void {
    if (revision <= this.compacted) return;
    this.compacted = revision;
    while (this.history.length > 0 && this.history[0]!.revision <= revision) this.history.shift();
  }

  get(resource: ResourceName, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.bucket(resource).get(keyOf(namespace, name));
    return found ? clone(found) : undefined;
  }

  list(resource: ResourceName, namespace?: string): KubeObject[] {
    const out: KubeObject[] = [];
    for (const obj of this.bucket(resource).values()) {
      if (namespace === undefined || obj.metadata.namespace === namespace) out.push(clone(obj));
    }
    return out.sort((a, b) =>
      keyOf(a.metadata.namespace, a.metadata.name ?? '').localeCompare(
        keyOf(b.metadata.namespace, b.metadata.name ?? ''),
      ),
    );
  }

  /**
   * `list(resource, namespace).filter(match)`, but only the matches are cloned: controllers that look
   * for a few objects among thousands (benchmarks run 1,000 Jobs) would otherwise clone them all on
   * every change. `match` sees the stored object and must not change it.
   */
  listWhere(
    resource: ResourceName,
    namespace: string | undefined,
    match: (obj: KubeObject) => boolean,
  ): KubeObject[] {
    const out: KubeObject[] = [];
    for (const obj of this.bucket(resource).values()) {
      if ((namespace === undefined || obj.metadata.namespace === namespace) && match(obj))
        out.push(clone(obj));
    }
    return out.sort((a, b) =>
      keyOf(a.metadata.namespace, a.metadata.name ?? '').localeCompare(
        keyOf(b.metadata.namespace, b.metadata.name ?? ''),
      ),
    );
  }

  create(resource: ResourceName, obj: KubeObject): KubeObject {
    const stored = clone(obj);
    stored.metadata.resourceVersion = String(++this.revision);
    this.bucket(resource).set(keyOf(stored.metadata.namespace, stored.metadata.name ?? ''), stored);
    this.emit({ type: 'ADDED', resource, revision: this.revision, object: stored });
    return clone(stored);
  }

  /**
   * Writes a new state. Like the API server, an object that is being deleted and has no
   * finalizers and no grace period left is removed instead of updated.
   */
  update(resource: ResourceName, obj: KubeObject): KubeObject {
    const key = keyOf(obj.metadata.namespace, obj.metadata.name ?? '');
    const previous = this.bucket(resource).get(key);
    if (!previous) throw new Error(`update of missing ${resource} ${key}`);
    const stored = clone(obj);
    if (
      stored.metadata.deletionTimestamp &&
      (stored.metadata.finalizers?.length ?? 0) === 0 &&
      (stored.metadata.deletionGracePeriodSeconds ?? 0) === 0
    ) {
      if (stored.metadata.finalizers) delete stored.metadata.finalizers;
      return this.removeStored(resource, key, stored);
    }
    stored.metadata.resourceVersion = String(++this.revision);
    this.bucket(resource).set(key, stored);
    this.emit({ type: 'MODIFIED', resource, revision: this.revision, object: stored, previous });
    return clone(stored);
  }

  remove(resource: ResourceName, namespace: string | undefined, name: string): KubeObject | undefined {
    const key = keyOf(namespace, name);
    const previous = this.bucket(resource).get(key);
    if (!previous) return undefined;
    return this.removeStored(resource, key, clone(previous));
  }

  /** Events strictly after `revision`, or 'expired' when history no longer reaches back that far. */
  changesSince(revision: number): ChangeEvent[] | 'expired' {
    if (revision < this.compacted) return 'expired';
    return this.history.filter((e) => e.revision > revision);
  }

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private removeStored(resource: ResourceName, key: string, finalState: KubeObject): KubeObject {
    this.bucket(resource).delete(key);
    finalState.metadata.resourceVersion = String(++this.revision);
    this.emit({ type: 'DELETED', resource, revision: this.revision, object: finalState });
    return clone(finalState);
  }

  private bucket(resource: ResourceName): Map<string, KubeObject> {
    let bucket = this.items.get(resource);
    if (!bucket) {
      bucket = new Map();
      this.items.set(resource, bucket);
    }
    return bucket;
  }

  private emit(event: ChangeEvent): void {
    this.history.push(event);
    this.trimHistory();
    for (const listener of [...this.listeners]) listener(event);
  }

  private trimHistory(): void {
    while (this.history.length > this.historyLimit) {
      const dropped = this.history.shift()!;
      this.compacted = Math.max(this.compacted, dropped.revision);
    }
  }
}
