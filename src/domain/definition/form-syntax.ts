/**
 * The text syntaxes of the definition form: each multi-line field holds one item per line, and each
 * item type has a codec that formats a template item as a line and parses a line back.
 *
 *   command  one word per line; or a single line split like a shell (quotes group, \ escapes):
 *              perl -Mbignum=bpi -wle 'print bpi(2000)'
 *   args     one argument per line, taken as written (no quoting needed)
 *   env      NAME=value              a literal value (may be empty: NAME=)
 *            NAME=secret:SECRET/KEY  key KEY of Secret SECRET (valueFrom.secretKeyRef)
 *            NAME=configMap:CM/KEY   key KEY of ConfigMap CM (valueFrom.configMapKeyRef)
 *            NAME=field:PATH         a pod field, e.g. field:metadata.name (valueFrom.fieldRef)
 *            NAME=resource:RES       a resource of the container, e.g. resource:limits.cpu
 *            NAME=\secret:x          a leading backslash makes the rest literal ("secret:x")
 *   ports    [NAME=]PORT[/PROTOCOL]  e.g. 8080, http=8080, dns=53/UDP (TCP when left out)
 *   mounts   VOLUME[/SUBPATH]:/MOUNT/PATH[:ro]  e.g. cache:/var/cache, conf/app.yaml:/etc/app.yaml:ro
 *   volumes  NAME=emptyDir | NAME=configMap:CONFIGMAP | NAME=secret:SECRET | NAME=pvc:CLAIM
 *
 * Prefixes and protocols are case-insensitive when typed and written canonically when shown. Lines are
 * trimmed and blank lines ignored. Rules about values (ranges, names) are left to validation; a codec
 * only refuses what it cannot read, with a sentence that shows the expected shape.
 */
import { splitWords, UnterminatedQuoteError } from '../args.js';
import { configKeyProblem, dnsSubdomainProblem } from './names.js';
import { isPlainObject, type PlainObject } from './types.js';

export type Parsed<T> = { value: T } | { error: string };

export interface LineCodec {
  /** Items come from stored templates, so anything may show up; the line is best effort. */
  format(item: unknown): string;
  parse(line: string): Parsed<PlainObject>;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
}

function obj(value: unknown): PlainObject {
  return isPlainObject(value) ? value : {};
}

// ---- command and args -------------------------------------------------------------------------------

/** A word that can stand on a line of its own and be read back unchanged. */
function fitsOnALine(word: string): boolean {
  return word !== '' && word.trim() === word && !/[\r\n]/.test(word);
}

function shellQuote(word: string): string {
  return /^[^\s'"“”‘’\\]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

export function formatCommand(words: unknown): string {
  if (!Array.isArray(words)) return '';
  const list = words.map(text);
  if (list.length >= 2 && list.every(fitsOnALine)) return list.join('\n');
  if (list.every((w) => !/[\r\n]/.test(w))) return list.map(shellQuote).join(' ');
  return list.join('\n');
}

/** Lines of a field with their 1-based numbers, trimmed, blank ones left out. */
export function fieldLines(field: string): { line: string; number: number }[] {
  return field
    .split(/\r?\n/)
    .map((line, i) => ({ line: line.trim(), number: i + 1 }))
    .filter((l) => l.line !== '');
}

/** undefined = no command (the image's entrypoint). */
export function parseCommand(field: string): Parsed<string[] | undefined> {
  const lines = fieldLines(field);
  if (lines.length === 0) return { value: undefined };
  if (lines.length > 1) return { value: lines.map((l) => l.line) };
  try {
    return { value: splitWords(lines[0]!.line) };
  } catch (err) {
    if (err instanceof UnterminatedQuoteError) {
      return {
        error: `Line ${lines[0]!.number}: a ${err.quote} quote is not closed; close it or put one word per line.`,
      };
    }
    throw err;
  }
}

export function formatArgs(words: unknown): string {
  return Array.isArray(words) ? words.map(text).join('\n') : '';
}

export function parseArgs(field: string): string[] | undefined {
  const lines = fieldLines(field);
  return lines.length === 0 ? undefined : lines.map((l) => l.line);
}

// ---- whole numbers ------------------------------------------------------------------------------------

export function formatCount(value: unknown): string {
  return text(value);
}

/** undefined = leave the field out (Kubernetes' default applies). */
export function parseCount(field: string, example: string): Parsed<number | undefined> {
  const value = field.trim();
  if (value === '') return { value: undefined };
  if (/^[+-]?\d+$/.test(value) && Number.isSafeInteger(Number(value))) return { value: Number(value) };
  return {
    error: `"${value}" is not a whole number; write digits only, e.g. ${example}, or leave it empty.`,
  };
}

// ---- env ---------------------------------------------------------------------------------------------

const ENV_PREFIX = /^(secret|configmap|field|resource):/i;

export const envCodec: LineCodec = {
  format(item) {
    const v = obj(item);
    const from = obj(v.valueFrom);
    let value: string;
    if (isPlainObject(from.secretKeyRef))
      value = `secret:${text(from.secretKeyRef.name)}/${text(from.secretKeyRef.key)}`;
    else if (isPlainObject(from.configMapKeyRef)) {
      value = `configMap:${text(from.configMapKeyRef.name)}/${text(from.configMapKeyRef.key)}`;
    } else if (isPlainObject(from.fieldRef)) value = `field:${text(from.fieldRef.fieldPath)}`;
    else if (isPlainObject(from.resourceFieldRef)) value = `resource:${text(from.resourceFieldRef.resource)}`;
    else {
      value = text(v.value);
      if (ENV_PREFIX.test(value) || value.startsWith('\\')) value = `\\${value}`;
    }
    return `${text(v.name)}=${value}`;
  },

  parse(line) {
    const eq = line.indexOf('=');
    if (eq < 0)
      return { error: `"${line}" needs a value: write ${line}=value (or ${line}= for an empty value).` };
    const name = line.slice(0, eq).trim();
    const value = line.slice(eq + 1);
    if (name === '')
      return { error: `the variable name is missing before "=": write NAME=value, e.g. LOG_LEVEL=debug.` };
    if (value.startsWith('\\')) return { value: { name, value: value.slice(1) } };
    const prefix = ENV_PREFIX.exec(value)?.[1]?.toLowerCase();
    const rest = value.slice((prefix?.length ?? 0) + 1);
    switch (prefix) {
      case 'secret':
      case 'configmap': {
        const kind = prefix === 'secret' ? 'Secret' : 'ConfigMap';
        const ref = keyRef(
          rest,
          kind,
          name,
          prefix === 'secret' ? 'secret:db-creds/password' : 'configMap:app-config/mode',
        );
        if ('error' in ref) return ref;
        return {
          value: {
            name,
            valueFrom: { [prefix === 'secret' ? 'secretKeyRef' : 'configMapKeyRef']: ref.value },
          },
        };
      }
      case 'field':
        if (rest === '')
          return { error: `"${value}" needs a field path: ${name}=field:metadata.name, for example.` };
        return { value: { name, valueFrom: { fieldRef: { fieldPath: rest } } } };
      case 'resource':
        if (rest === '')
          return { error: `"${value}" needs a resource: ${name}=resource:limits.cpu, for example.` };
        return { value: { name, valueFrom: { resourceFieldRef: { resource: rest } } } };
      default:
        return { value: { name, value } };
    }
  },
};

function keyRef(ref: string, kind: string, variable: string, example: string): Parsed<PlainObject> {
  const slash = ref.indexOf('/');
  const prefix = kind === 'Secret' ? 'secret' : 'configMap';
  const shape = `write ${variable}=${prefix}:${kind.toUpperCase()}-NAME/KEY, e.g. ${variable}=${example}`;
  if (slash <= 0 || slash === ref.length - 1) {
    return { error: `"${prefix}:${ref}" must name a ${kind} and a key in it: ${shape}.` };
  }
  const name = ref.slice(0, slash);
  const key = ref.slice(slash + 1);
  const problem = dnsSubdomainProblem(name, `${kind} name`) ?? configKeyProblem(key, `${kind} key`);
  if (problem) return { error: `${problem} (${shape}.)` };
  return { value: { name, key } };
}

// ---- ports -------------------------------------------------------------------------------------------

export const portCodec: LineCodec = {
  format(item) {
    const p = obj(item);
    const name = text(p.name);
    const protocol = text(p.protocol);
    return `${name === '' ? '' : `${name}=`}${text(p.containerPort)}${protocol === '' ? '' : `/${protocol}`}`;
  },

  parse(line) {
    const match = /^(?:([^=]*)=)?([^/]*)(?:\/(.*))?$/.exec(line)!;
    const name = match[1]?.trim();
    const number = match[2]!.trim();
    const protocol = match[3]?.trim().toUpperCase();
    const shape = 'write PORT, NAME=PORT or NAME=PORT/UDP, e.g. http=8080';
    if (!/^\d{1,9}$/.test(number)) return { error: `"${number}" is not a port number: ${shape}.` };
    if (name === '') return { error: `the port name before "=" is empty: ${shape}.` };
    if (protocol === '') return { error: `the protocol after "/" is empty: use TCP, UDP or SCTP.` };
    return {
      value: {
        ...(name !== undefined ? { name } : {}),
        containerPort: Number(number),
        ...(protocol !== undefined ? { protocol } : {}),
      },
    };
  },
};

// ---- volume mounts -----------------------------------------------------------------------------------

export const mountCodec: LineCodec = {
  format(item) {
    const m = obj(item);
    const subPath = text(m.subPath);
    return `${text(m.name)}${subPath === '' ? '' : `/${subPath}`}:${text(m.mountPath)}${m.readOnly === true ? ':ro' : ''}`;
  },

  parse(line) {
    const shape = 'write VOLUME:/PATH or VOLUME:/PATH:ro, e.g. cache:/var/cache';
    const colon = line.indexOf(':');
    if (colon < 0) return { error: `"${line}" needs a mount path: ${shape}.` };
    const volume = line.slice(0, colon).trim();
    let mountPath = line.slice(colon + 1).trim();
    let readOnly = false;
    const mode = /:(ro|rw)$/i.exec(mountPath);
    if (mode) {
      readOnly = mode[1]!.toLowerCase() === 'ro';
      mountPath = mountPath.slice(0, -3).trim();
    }
    const slash = volume.indexOf('/');
    const name = slash < 0 ? volume : volume.slice(0, slash);
    const subPath = slash < 0 ? '' : volume.slice(slash + 1);
    if (name === '') return { error: `the volume name is missing before ":": ${shape}.` };
    if (mountPath === '') return { error: `"${line}" needs a mount path after ":": ${shape}.` };
    return {
      value: {
        name,
        mountPath,
        ...(subPath !== '' ? { subPath } : {}),
        ...(readOnly ? { readOnly } : {}),
      },
    };
  },
};

// ---- volumes -----------------------------------------------------------------------------------------

const VOLUME_SHAPE = 'NAME=emptyDir, NAME=configMap:CONFIGMAP, NAME=secret:SECRET or NAME=pvc:CLAIM';

export const volumeCodec: LineCodec = {
  format(item) {
    const v = obj(item);
    const name = text(v.name);
    if (isPlainObject(v.configMap)) return `${name}=configMap:${text(v.configMap.name)}`;
    if (isPlainObject(v.secret)) return `${name}=secret:${text(v.secret.secretName)}`;
    if (isPlainObject(v.persistentVolumeClaim))
      return `${name}=pvc:${text(v.persistentVolumeClaim.claimName)}`;
    // Other sources are shown by kind only; such a line is kept while unchanged (see form.ts).
    const other = Object.keys(v).find((k) => k !== 'name' && k !== 'emptyDir');
    return `${name}=${other ?? 'emptyDir'}`;
  },

  parse(line) {
    const eq = line.indexOf('=');
    if (eq < 0) return { error: `"${line}" needs a kind: write ${VOLUME_SHAPE}, e.g. cache=emptyDir.` };
    const name = line.slice(0, eq).trim();
    const source = line.slice(eq + 1).trim();
    if (name === '') return { error: `the volume name is missing before "=": write ${VOLUME_SHAPE}.` };
    const colon = source.indexOf(':');
    const kind = (colon < 0 ? source : source.slice(0, colon)).trim();
    const ref = colon < 0 ? '' : source.slice(colon + 1).trim();
    const lower = kind.toLowerCase();
    if (lower === 'emptydir') {
      if (ref !== '') return { error: `emptyDir takes no name: write ${name}=emptyDir.` };
      return { value: { name, emptyDir: {} } };
    }
    const sources: Record<string, [string, string, string]> = {
      configmap: ['configMap', 'name', 'ConfigMap'],
      secret: ['secret', 'secretName', 'Secret'],
      pvc: ['persistentVolumeClaim', 'claimName', 'PersistentVolumeClaim'],
      persistentvolumeclaim: ['persistentVolumeClaim', 'claimName', 'PersistentVolumeClaim'],
    };
    const known = sources[lower];
    if (known === undefined) {
      return {
        error:
          `volume kind "${kind}" cannot be set in the form: write ${VOLUME_SHAPE}, ` +
          'or edit the definition as YAML for other kinds.',
      };
    }
    const [field, refField, what] = known;
    if (ref === '') {
      const typed = lower === 'pvc' ? 'pvc' : field;
      return { error: `"${source}" needs the ${what}'s name: write ${name}=${typed}:NAME.` };
    }
    return { value: { name, [field]: { [refField]: ref } } };
  },
};
