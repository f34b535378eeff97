/**
 * What a message shows, line by line: its blocks' texts when it has blocks (Slack then shows those,
 * and `text` is only the notification), else its text. A thread's timeline moments may share a reply
 * or open the verdict's, so tests count the lines people see rather than messages.
 */
export function shownLines(m: { text: string; blocks?: unknown[] }): string[] {
  if (!m.blocks?.length) return m.text.split('\n');
  return m.blocks.flatMap((b) => {
    const block = b as { text?: { text?: string }; elements?: { text?: string }[] };
    const texts = [block.text?.text, ...(block.elements ?? []).map((e) => e.text)];
    return texts.filter((t): t is string => typeof t === 'string').flatMap((t) => t.split('\n'));
  });
}
