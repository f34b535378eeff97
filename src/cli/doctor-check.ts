/**
 * One line of `jobbot doctor`: what was checked, what it found in plain words and, when something is
 * wrong, what to do about it. A check that could not run (its prerequisites failed) is `skipped`: it
 * is shown, but neither passes nor fails.
 */
export interface Check {
  result: 'ok' | 'failed' | 'skipped';
  subject: string;
  says: string;
  fix?: string;
}

export const ok = (subject: string, says: string): Check => ({ result: 'ok', subject, says });

export const failed = (subject: string, says: string, fix?: string): Check => ({
  result: 'failed',
  subject,
  says,
  ...(fix ? { fix } : {}),
});

export const skipped = (subject: string, says: string): Check => ({ result: 'skipped', subject, says });

const MARK = { ok: '✔', failed: '✘', skipped: '-' } as const;

export function checkLine(c: Check): string {
  return `${MARK[c.result]} ${c.subject}: ${c.says}${c.fix ? ` — ${c.fix}` : ''}`;
}
