/**
 * The parts of one container that hold lists: command and args, ports, volume mounts and env. Called
 * from validate-pod.ts, which knows the pod-wide facts these rules need (volume names, port names).
 */
import { configKeyProblem, dnsSubdomainProblem, envNameProblem, portNameProblem } from './names.js';
import { at, present } from './paths.js';
import { type FieldError, isPlainObject } from './types.js';

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];

export function stringList(value: unknown, path: string, what: string, out: FieldError[]): void {
  if (!present(value)) return;
  if (!Array.isArray(value)) {
    out.push({ path, message: `The ${what} must be a list of words, e.g. ["perl", "-wle", "print 1"].` });
    return;
  }
  value.forEach((word, i) => {
    if (typeof word !== 'string') {
      out.push({
        path: at(path, i),
        message: `Word ${i + 1} of the ${what} must be text: quote it ("${String(word)}").`,
      });
    }
  });
}

export function validatePorts(
  ports: unknown,
  path: string,
  label: string,
  where: string,
  portNames: Map<string, string>,
  out: FieldError[],
): void {
  if (!present(ports)) return;
  if (!Array.isArray(ports)) {
    out.push({ path, message: `The ports of the ${label} must be a list, e.g. [{containerPort: 8080}].` });
    return;
  }
  const seen = new Set<string>();
  ports.forEach((port, i) => {
    const here = at(path, i);
    if (!isPlainObject(port)) {
      out.push({
        path: here,
        message: `Port ${i + 1} of the ${label} must be a mapping with containerPort.`,
      });
      return;
    }
    const number = port.containerPort;
    const validNumber =
      typeof number === 'number' && Number.isInteger(number) && number >= 1 && number <= 65535;
    if (!present(number)) {
      out.push({
        path: at(here, 'containerPort'),
        message: `Port ${i + 1} of the ${label} needs containerPort, a number from 1 to 65535.`,
      });
    } else if (!validNumber) {
      out.push({
        path: at(here, 'containerPort'),
        message: `Port ${JSON.stringify(number)} of the ${label} must be a whole number from 1 to 65535.`,
      });
    }
    const protocol = port.protocol ?? 'TCP';
    const validProtocol = typeof protocol === 'string' && PROTOCOLS.includes(protocol);
    if (!validProtocol) {
      out.push({
        path: at(here, 'protocol'),
        message: `Port protocol ${JSON.stringify(protocol)} of the ${label} must be TCP, UDP or SCTP (upper case).`,
      });
    }
    if (validNumber && validProtocol) {
      const key = `${number}/${protocol}`;
      if (seen.has(key)) {
        out.push({
          path: at(here, 'containerPort'),
          message: `Port ${key} is listed twice for the ${label}.`,
        });
      }
      seen.add(key);
    }
    const hostPort = port.hostPort;
    if (
      present(hostPort) &&
      !(typeof hostPort === 'number' && Number.isInteger(hostPort) && hostPort >= 0 && hostPort <= 65535)
    ) {
      out.push({
        path: at(here, 'hostPort'),
        message: `hostPort ${JSON.stringify(hostPort)} must be a whole number from 1 to 65535.`,
      });
    }
    const name = port.name;
    if (!present(name)) return;
    if (typeof name !== 'string') {
      out.push({
        path: at(here, 'name'),
        message: `Port name ${JSON.stringify(name)} of the ${label} must be text.`,
      });
      return;
    }
    const problem = portNameProblem(name, 'Port name');
    if (problem) out.push({ path: at(here, 'name'), message: problem });
    const first = portNames.get(name);
    if (first !== undefined) {
      out.push({
        path: at(here, 'name'),
        message: `Port name "${name}" is used twice in the pod (${first} and ${where}); port names must be unique.`,
      });
    } else portNames.set(name, where);
  });
}

export function validateMounts(
  mounts: unknown,
  path: string,
  label: string,
  volumes: Set<string> | undefined,
  out: FieldError[],
): void {
  if (!present(mounts)) return;
  if (!Array.isArray(mounts)) {
    out.push({ path, message: `The volumeMounts of the ${label} must be a list of {name, mountPath}.` });
    return;
  }
  const paths = new Set<string>();
  mounts.forEach((mount, i) => {
    const here = at(path, i);
    if (!isPlainObject(mount)) {
      out.push({
        path: here,
        message: `Volume mount ${i + 1} of the ${label} must be a mapping with name and mountPath.`,
      });
      return;
    }
    const name = mount.name;
    if (typeof name !== 'string' || name === '') {
      out.push({
        path: at(here, 'name'),
        message: `Volume mount ${i + 1} of the ${label} must name a volume.`,
      });
    } else if (volumes !== undefined && !volumes.has(name)) {
      const defined =
        volumes.size > 0 ? `the volumes are: ${[...volumes].join(', ')}` : 'the Job defines no volumes';
      out.push({
        path: at(here, 'name'),
        message: `The ${label} mounts volume "${name}", which is not defined (${defined}): add a volume named "${name}" or fix the name.`,
      });
    }
    const mountPath = mount.mountPath;
    if (typeof mountPath !== 'string' || mountPath === '') {
      out.push({
        path: at(here, 'mountPath'),
        message: `Volume mount ${i + 1} of the ${label} needs a mountPath, e.g. /data.`,
      });
    } else if (!mountPath.startsWith('/')) {
      out.push({
        path: at(here, 'mountPath'),
        message: `The mount path "${mountPath}" of the ${label} must be absolute: start it with /, e.g. /${mountPath}.`,
      });
    } else {
      if (paths.has(mountPath)) {
        out.push({
          path: at(here, 'mountPath'),
          message: `The ${label} mounts two volumes at ${mountPath}; each mount needs its own path.`,
        });
      }
      paths.add(mountPath);
    }
    const subPath = mount.subPath;
    if (
      present(subPath) &&
      (typeof subPath !== 'string' || subPath.startsWith('/') || subPath.split('/').includes('..'))
    ) {
      out.push({
        path: at(here, 'subPath'),
        message: `subPath ${JSON.stringify(subPath)} must be a relative path without '..'.`,
      });
    }
    if (present(mount.readOnly) && typeof mount.readOnly !== 'boolean') {
      out.push({ path: at(here, 'readOnly'), message: 'readOnly must be true or false.' });
    }
  });
}

const ENV_SOURCES = 'secretKeyRef, configMapKeyRef, fieldRef or resourceFieldRef';

export function validateEnv(env: unknown, path: string, out: FieldError[]): void {
  if (!present(env)) return;
  if (!Array.isArray(env)) {
    out.push({ path, message: 'env must be a list of {name, value} or {name, valueFrom}.' });
    return;
  }
  env.forEach((variable, i) => {
    const here = at(path, i);
    if (!isPlainObject(variable)) {
      out.push({
        path: here,
        message: `Environment variable ${i + 1} must be a mapping with name and value.`,
      });
      return;
    }
    const name = variable.name;
    if (typeof name !== 'string') {
      out.push({
        path: at(here, 'name'),
        message: `Environment variable ${i + 1} needs a name, e.g. LOG_LEVEL.`,
      });
    } else {
      const problem = envNameProblem(name, 'Environment variable name');
      if (problem) out.push({ path: at(here, 'name'), message: problem });
    }
    const shown = typeof name === 'string' ? name : `variable ${i + 1}`;
    const value = variable.value;
    if (present(value) && typeof value !== 'string') {
      out.push({
        path: at(here, 'value'),
        message: `The value of ${shown} must be text: quote it, e.g. value: "${String(value)}".`,
      });
    }
    const from = variable.valueFrom;
    if (!present(from)) return;
    if (typeof value === 'string' && value !== '') {
      out.push({ path: at(here, 'valueFrom'), message: `${shown} has both value and valueFrom; keep one.` });
    }
    if (!isPlainObject(from)) {
      out.push({
        path: at(here, 'valueFrom'),
        message: `valueFrom of ${shown} must name one of ${ENV_SOURCES}.`,
      });
      return;
    }
    const sources = Object.keys(from);
    if (sources.length !== 1) {
      out.push({
        path: at(here, 'valueFrom'),
        message:
          sources.length === 0
            ? `valueFrom of ${shown} must name one of ${ENV_SOURCES}.`
            : `valueFrom of ${shown} may name only one source; it has ${sources.join(', ')}.`,
      });
    }
    keyRef(from.secretKeyRef, at(at(here, 'valueFrom'), 'secretKeyRef'), 'Secret', shown, out);
    keyRef(from.configMapKeyRef, at(at(here, 'valueFrom'), 'configMapKeyRef'), 'ConfigMap', shown, out);
    fieldText(from.fieldRef, 'fieldPath', at(at(here, 'valueFrom'), 'fieldRef'), shown, out);
    fieldText(from.resourceFieldRef, 'resource', at(at(here, 'valueFrom'), 'resourceFieldRef'), shown, out);
  });
}

function keyRef(ref: unknown, path: string, kind: string, variable: string, out: FieldError[]): void {
  if (!present(ref)) return;
  const obj = isPlainObject(ref) ? ref : {};
  const name = typeof obj.name === 'string' ? obj.name : '';
  const key = typeof obj.key === 'string' ? obj.key : '';
  const nameProblem = dnsSubdomainProblem(name, `The ${kind} name for ${variable}`);
  if (nameProblem) out.push({ path: at(path, 'name'), message: nameProblem });
  const keyProblem = configKeyProblem(key, `The ${kind} key for ${variable}`);
  if (keyProblem) out.push({ path: at(path, 'key'), message: keyProblem });
}

function fieldText(ref: unknown, field: string, path: string, variable: string, out: FieldError[]): void {
  if (!present(ref)) return;
  if (!isPlainObject(ref) || typeof ref[field] !== 'string' || ref[field] === '') {
    out.push({
      path: at(path, field),
      message: `${variable} needs ${field} (text) in its ${path.split('.').at(-1)}.`,
    });
  }
}
