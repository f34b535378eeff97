/**
 * Container output kept by the emulated kubelet, one log per container run.
 *
 * Glossary: a run is one start of a container; `current` is the latest run and `previous` the one
 * before it (what `kubectl logs --previous` reads after an in-place restart).
 */

export interface LogLine {
  /** Emulated ms when the line was written. */
  at: number;
  text: string;
}

export class ContainerRunLog {
  readonly lines: LogLine[] = [];
  finished = false;
  private readonly listeners = new Set<() => void>();

  append(at: number, text: string): void {
    this.lines.push({ at, text });
    this.notify();
  }

  finish(): void {
    this.finished = true;
    this.notify();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }
}

export class LogStore {
  private readonly runs = new Map<string, ContainerRunLog[]>();

  startRun(podUid: string, container: string): ContainerRunLog {
    const key = `${podUid}/${container}`;
    const list = this.runs.get(key) ?? [];
    const run = new ContainerRunLog();
    list.push(run);
    this.runs.set(key, list);
    return run;
  }

  current(podUid: string, container: string): ContainerRunLog | undefined {
    return this.runs.get(`${podUid}/${container}`)?.at(-1);
  }

  previous(podUid: string, container: string): ContainerRunLog | undefined {
    const list = this.runs.get(`${podUid}/${container}`);
    return list && list.length >= 2 ? list[list.length - 2] : undefined;
  }

  forget(podUid: string): void {
    for (const key of [...this.runs.keys()]) if (key.startsWith(`${podUid}/`)) this.runs.delete(key);
  }
}

/** Go's time.RFC3339Nano: nanoseconds with trailing zeros trimmed. */
export function rfc3339Nano(ms: number): string {
  const iso = new Date(ms).toISOString();
  const fraction = iso.slice(20, 23).replace(/0+$/, '');
  return `${iso.slice(0, 19)}${fraction ? `.${fraction}` : ''}Z`;
}

export interface LogQuery {
  timestamps: boolean;
  tailLines?: number;
  limitBytes?: number;
  sinceMs?: number;
}

export function renderLines(lines: LogLine[], q: LogQuery): string {
  let selected = q.sinceMs === undefined ? lines : lines.filter((l) => l.at >= q.sinceMs!);
  if (q.tailLines !== undefined) selected = q.tailLines === 0 ? [] : selected.slice(-q.tailLines);
  return selected.map((l) => formatLine(l, q.timestamps)).join('');
}

export function formatLine(line: LogLine, timestamps: boolean): string {
  return timestamps ? `${rfc3339Nano(line.at)} ${line.text}\n` : `${line.text}\n`;
}
