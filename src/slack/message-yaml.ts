/**
 * Getting a Job's YAML out of a Slack message for the "Create job from YAML" shortcut. Slack stores
 * message text with `&`, `<`, `>` escaped, wraps code in ``` fences, and turns URLs and mentions into
 * `<url|label>` links; all of that is undone here so the YAML reads as the person typed it.
 */
const FENCE = /```([\s\S]*?)```/g;

export function yamlFromMessageText(text: string): string | undefined {
  const fenced = [...text.matchAll(FENCE)].map((m) => m[1]!);
  const body = fenced.length > 0 ? fenced.sort((a, b) => b.length - a.length)[0]! : text;
  const yaml = unescapeSlack(body).replace(/^\n+/, '');
  return /\bkind\s*:/.test(yaml) && /\bapiVersion\s*:/.test(yaml) ? yaml : undefined;
}

export function unescapeSlack(text: string): string {
  return text
    .replace(/<((?:https?|mailto):[^|>]+)\|([^>]+)>/g, (_, _url: string, label: string) => label)
    .replace(/<((?:https?|mailto):[^>]+)>/g, (_, url: string) => url.replace(/^mailto:/, ''))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

export interface MessageFile {
  id: string;
  name?: string;
  size?: number;
}

/** The first .yaml/.yml file of a message. */
export function yamlFileOf(files: readonly MessageFile[] | undefined): MessageFile | undefined {
  return files?.find((f) => /\.ya?ml$/i.test(f.name ?? ''));
}
