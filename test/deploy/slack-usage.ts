/**
 * What Jobbot's source registers with Bolt and which Web API methods it calls, read from src/ (so a
 * new listener or call is seen without anyone listing it here).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './kustomize.js';

export interface Registration {
  kind: string;
  id: string;
  /** The type argument, e.g. MessageShortcut, when there is one. */
  typeArg: string | undefined;
  where: string;
}

function sources(): { file: string; text: string }[] {
  const dir = path.join(ROOT, 'src');
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => ({ file: `src/${f}`, text: readFileSync(path.join(dir, f), 'utf8') }));
}

/**
 * Every `app.command|shortcut|event|message|options|…(ID, …)`. ID is a string literal, a constant
 * (`const NAME = '…'` anywhere in src/), or the configurable slash command (`….command`), which
 * resolves to `command`.
 */
export function registrations(command: string): Registration[] {
  const files = sources();
  const constants = new Map<string, string>();
  for (const { text } of files)
    for (const m of text.matchAll(/\bconst\s+([A-Z][A-Z0-9_]*)\s*=\s*'([^']+)'/g))
      constants.set(m[1]!, m[2]!);
  const found: Registration[] = [];
  const call =
    /\bapp\s*\.\s*(command|shortcut|event|message|options|function|assistant|step)\s*(?:<([^>(]*)>)?\s*\(\s*([^,)]+?)\s*[,)]/g;
  for (const { file, text } of files)
    for (const m of text.matchAll(call)) {
      const [, kind = '', typeArg, arg = ''] = m;
      const literal = /^['"`]([^'"`]+)['"`]$/.exec(arg)?.[1];
      const id = literal ?? constants.get(arg) ?? (/(^|\.)command$/.test(arg) ? command : undefined);
      const where = `${file}:${text.slice(0, m.index).split('\n').length}`;
      if (id === undefined)
        throw new Error(`${where}: cannot resolve app.${kind}(${arg}); teach test/deploy/slack-usage.ts`);
      found.push({ kind, id, typeArg, where });
    }
  return found;
}

/** Web API methods called as `client.family.method(`, `client.apiCall('m'` or `client.filesUploadV2(`. */
export function calledMethods(): Map<string, string[]> {
  const methods = new Map<string, string[]>();
  const add = (method: string, where: string) => methods.set(method, [...(methods.get(method) ?? []), where]);
  for (const { file, text } of sources()) {
    const at = (index: number) => `${file}:${text.slice(0, index).split('\n').length}`;
    for (const m of text.matchAll(/\bclient\s*\.\s*([a-z]+(?:\s*\.\s*[a-zA-Z]+)+)\s*\(/g))
      add(m[1]!.replace(/\s/g, ''), at(m.index));
    for (const m of text.matchAll(/\bclient\s*\.\s*apiCall\s*\(\s*['"]([^'"]+)['"]/g))
      add(m[1]!, at(m.index));
    // The upload helper calls these two for each file.
    for (const m of text.matchAll(/\bclient\s*\.\s*filesUploadV2\s*\(/g)) {
      add('files.getUploadURLExternal', at(m.index));
      add('files.completeUploadExternal', at(m.index));
    }
  }
  return methods;
}

/** The names of the slash command's subcommands (`name: '…'` in src/slack/subcommands). */
export function subcommandNames(): string[] {
  return sources()
    .filter((s) => s.file.startsWith('src/slack/subcommands/'))
    .flatMap(({ text }) => [...text.matchAll(/^\s*name:\s*'([a-z-]+)'/gm)].map((m) => m[1]!));
}
