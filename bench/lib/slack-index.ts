/**
 * What Slack received about each dispatch, read from the emulator's call log: the status message
 * (top-level, text "NAME #N: …"), its updates, its thread replies and the files shared into its
 * thread, each with the time Slack accepted it, and what channel batches told (their replies and the
 * edits that extend them). Calls Slack refused (429) are not deliveries.
 */
import type { RecordedCall, SlackEmulator } from '../../test/support/slack/index.js';

export interface Delivery {
  at: number;
  text: string;
}

export interface DispatchMessages {
  number: number;
  definition: string;
  channel: string;
  ts: string;
  postedAt: number;
  updates: Delivery[];
  replies: Delivery[];
  files: Delivery[];
  /** What the channel's batch (one summary, changes in its thread) told about it: its state. */
  batch: (Delivery & { state: string })[];
}

const ok = (c: RecordedCall) => c.status === 200 && (c.response as { ok?: boolean }).ok === true;

export function indexDeliveries(slack: SlackEmulator): Map<number, DispatchMessages> {
  const byTs = new Map<string, DispatchMessages>();
  const byNumber = new Map<number, DispatchMessages>();
  const batches = new Set<string>();
  /** Batch replies, which later edits extend (chat.update of the reply's ts). */
  const batchReplies = new Set<string>();
  const entry = (n: number, channel: string): DispatchMessages => {
    let d = byNumber.get(n);
    if (!d) {
      d = {
        number: n,
        definition: '',
        channel,
        ts: '',
        postedAt: Number.NaN,
        updates: [],
        replies: [],
        files: [],
        batch: [],
      };
      byNumber.set(n, d);
    }
    return d;
  };
  for (const c of slack.calls) {
    if (!ok(c)) continue;
    const text = String(c.args.text ?? '');
    if (c.method === 'chat.postMessage' && !c.args.thread_ts && text.startsWith('Batch: ')) {
      batches.add(String((c.response as { ts?: string }).ts));
      continue;
    }
    const batchReply = c.method === 'chat.postMessage' && batches.has(String(c.args.thread_ts));
    if (batchReply) batchReplies.add(String((c.response as { ts?: string }).ts));
    if (batchReply || (c.method === 'chat.update' && batchReplies.has(String(c.args.ts)))) {
      // "Succeeded (12): #3–#9, #14 and 2 more": each number listed was told its new state (an edit
      // lists again those told before; the earliest telling counts).
      for (const line of text.split('\n')) {
        const state = /^(Running|Succeeded|Failed to start|Failed|Cancelled) \(/.exec(line)?.[1];
        if (!state) continue;
        for (const m of line.matchAll(/#(\d+)(?:–#(\d+))?/g))
          for (let n = Number(m[1]); n <= Number(m[2] ?? m[1]); n++)
            entry(n, String(c.args.channel)).batch.push({ at: c.time, text: line, state });
      }
      continue;
    }
    if (c.method === 'chat.postMessage' && !c.args.thread_ts) {
      const m = /^(\S+) #(\d+): /.exec(text);
      const ts = (c.response as { ts?: string }).ts;
      if (!m || !ts) continue;
      const d = entry(Number(m[2]), String((c.response as { channel?: string }).channel ?? c.args.channel));
      Object.assign(d, { definition: m[1]!, ts, postedAt: c.time });
      byTs.set(ts, d);
    } else if (c.method === 'chat.update') {
      byTs.get(String(c.args.ts))?.updates.push({ at: c.time, text });
    } else if (c.method === 'chat.postMessage') {
      byTs.get(String(c.args.thread_ts))?.replies.push({ at: c.time, text });
    } else if (c.method === 'files.completeUploadExternal') {
      const files = (c.args.files as { title?: string }[] | undefined) ?? [];
      byTs.get(String(c.args.thread_ts))?.files.push({ at: c.time, text: String(files[0]?.title ?? '') });
    }
  }
  return byNumber;
}

/** The verdict reply: the thread reply that starts with the outcome. */
export function verdictReply(d: DispatchMessages): Delivery | undefined {
  return d.replies.find((r) => /^(Succeeded|Failed|Cancelled)/.test(r.text));
}

/** The first update of the status message that shows the verdict. */
export function finalUpdate(d: DispatchMessages): Delivery | undefined {
  return d.updates.find((u) => /: (Succeeded|Failed|Cancelled)/.test(u.text));
}

/** When the batch first told the dispatch's verdict. */
export function batchVerdict(d: DispatchMessages): Delivery | undefined {
  return d.batch.find((b) => b.state !== 'Running');
}

/** When the batch first told the dispatch ran (its verdict says so too). */
export function batchRunning(d: DispatchMessages): Delivery | undefined {
  return d.batch[0];
}

/** The earlier of two deliveries. */
export function earliest(...ds: (Delivery | undefined)[]): Delivery | undefined {
  return ds.filter((d): d is Delivery => d !== undefined).sort((a, b) => a.at - b.at)[0];
}
