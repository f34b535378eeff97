/**
 * The pod part of a Job template (spec.template.spec): restart policy, containers and init containers,
 * and volumes. Rules follow the API server's validation; messages name the container and say what to
 * write instead. Input is untrusted (pasted YAML), so every field is type-checked.
 */
import { dnsLabelProblem, dnsSubdomainProblem } from './names.js';
import { at, present } from './paths.js';
import { type FieldError, isPlainObject, type PlainObject } from './types.js';
import { stringList, validateEnv, validateMounts, validatePorts } from './validate-container.js';

interface PodScope {
  /** Container name → where it was first used, for duplicates across containers and init containers. */
  containerNames: Map<string, string>;
  /** Port names must be unique in the whole pod. */
  portNames: Map<string, string>;
  /** Names of the pod's volumes; undefined when `volumes` is unreadable, so mounts are not judged. */
  volumes: Set<string> | undefined;
}

export function validatePodSpec(spec: unknown, path: string, out: FieldError[]): void {
  if (!isPlainObject(spec)) {
    out.push({ path, message: 'The Job needs spec.template.spec with at least one container.' });
    return;
  }
  validateRestartPolicy(spec.restartPolicy, at(path, 'restartPolicy'), out);
  const scope: PodScope = {
    containerNames: new Map(),
    portNames: new Map(),
    volumes: validateVolumes(spec.volumes, at(path, 'volumes'), out),
  };

  const containers = spec.containers;
  if (!Array.isArray(containers) || containers.length === 0) {
    out.push({
      path: at(path, 'containers'),
      message:
        present(containers) && !Array.isArray(containers)
          ? 'containers must be a list of containers, each with a name and an image.'
          : 'The Job needs at least one container with a name and an image.',
    });
  } else {
    for (const [i, c] of containers.entries()) validateContainer(c, path, 'containers', i, scope, out);
  }

  const inits = spec.initContainers;
  if (Array.isArray(inits))
    for (const [i, c] of inits.entries()) validateContainer(c, path, 'initContainers', i, scope, out);
  else if (present(inits)) {
    out.push({ path: at(path, 'initContainers'), message: 'initContainers must be a list of containers.' });
  }
}

// A missing policy is an error, not a silent Never: the API server refuses such a Job, and YAML accepted
// here should also pass `kubectl apply`. The form always sets one.
function validateRestartPolicy(policy: unknown, path: string, out: FieldError[]): void {
  if (policy === 'Never' || policy === 'OnFailure') return;
  let message: string;
  if (!present(policy)) {
    message =
      'Set restartPolicy to Never or OnFailure: Kubernetes requires it for a Job, and the Pod default ' +
      'Always is not allowed.';
  } else if (policy === 'Always') {
    message =
      'restartPolicy Always is not allowed for a Job: use Never (a failed pod is replaced by a new pod) ' +
      'or OnFailure (the container restarts in the same pod).';
  } else {
    message = `restartPolicy ${JSON.stringify(policy)} is not valid for a Job: use Never or OnFailure.`;
  }
  out.push({ path, message });
}

function validateVolumes(volumes: unknown, path: string, out: FieldError[]): Set<string> | undefined {
  const names = new Set<string>();
  if (!present(volumes)) return names;
  if (!Array.isArray(volumes)) {
    out.push({ path, message: 'volumes must be a list of volumes, each with a name.' });
    return undefined;
  }
  volumes.forEach((volume, i) => {
    const here = at(path, i);
    if (!isPlainObject(volume)) {
      out.push({ path: here, message: `Volume ${i + 1} must be a mapping with a name and one source.` });
      return;
    }
    const name = volume.name;
    if (typeof name !== 'string' || name === '') {
      out.push({ path: at(here, 'name'), message: `Volume ${i + 1} needs a name, e.g. cache.` });
      return;
    }
    const problem = dnsLabelProblem(name, 'Volume name');
    if (problem) out.push({ path: at(here, 'name'), message: problem });
    if (names.has(name)) {
      out.push({
        path: at(here, 'name'),
        message: `Volume name "${name}" is used twice; each volume needs its own name.`,
      });
    }
    names.add(name);

    // Every field besides the name is a source; none at all means emptyDir (the API's default).
    const sources = Object.keys(volume).filter((k) => k !== 'name');
    if (sources.length > 1) {
      out.push({
        path: here,
        message: `Volume "${name}" has several sources (${sources.join(', ')}); keep exactly one.`,
      });
    }
    sourceName(volume, name, 'configMap', 'name', 'ConfigMap name', here, out);
    sourceName(volume, name, 'secret', 'secretName', 'Secret name', here, out);
    sourceName(volume, name, 'persistentVolumeClaim', 'claimName', 'Claim name', here, out);
  });
  return names;
}

function sourceName(
  volume: PlainObject,
  volumeName: string,
  source: string,
  field: string,
  subject: string,
  path: string,
  out: FieldError[],
): void {
  const value = volume[source];
  if (!present(value)) return;
  const here = at(at(path, source), field);
  const problem =
    isPlainObject(value) && typeof value[field] === 'string'
      ? dnsSubdomainProblem(value[field] as string, subject)
      : `${subject} is required (${source}.${field}).`;
  if (problem) out.push({ path: here, message: `Volume "${volumeName}": ${problem}` });
}

function validateContainer(
  container: unknown,
  podPath: string,
  list: 'containers' | 'initContainers',
  index: number,
  scope: PodScope,
  out: FieldError[],
): void {
  const path = at(at(podPath, list), index);
  const where = `${list}[${index}]`;
  const kind = list === 'containers' ? 'Container' : 'Init container';
  if (!isPlainObject(container)) {
    out.push({ path, message: `${kind} ${index + 1} must be a mapping with a name and an image.` });
    return;
  }
  const name = container.name;
  const label =
    typeof name === 'string' && name !== ''
      ? `${kind.toLowerCase()} "${name}"`
      : `${kind.toLowerCase()} ${index + 1}`;

  if (typeof name !== 'string' || name === '') {
    out.push({ path: at(path, 'name'), message: `${kind} ${index + 1} needs a name, e.g. main.` });
  } else {
    const problem = dnsLabelProblem(name, `${kind} name`);
    if (problem) out.push({ path: at(path, 'name'), message: problem });
    const first = scope.containerNames.get(name);
    if (first !== undefined) {
      out.push({
        path: at(path, 'name'),
        message: `Container name "${name}" is used twice (${first} and ${where}); each container and init container needs its own name.`,
      });
    } else scope.containerNames.set(name, where);
  }

  const image = container.image;
  if (!present(image) || image === '') {
    out.push({
      path: at(path, 'image'),
      message: `The ${label} needs an image, e.g. perl:5.34.0 or ghcr.io/acme/tool:1.2.`,
    });
  } else if (typeof image !== 'string') {
    out.push({
      path: at(path, 'image'),
      message: `The image of the ${label} must be text, e.g. perl:5.34.0.`,
    });
  } else if (/\s/.test(image)) {
    out.push({
      path: at(path, 'image'),
      message: `The image of the ${label} must not contain spaces: "${image}".`,
    });
  }

  stringList(container.command, at(path, 'command'), `command of the ${label}`, out);
  stringList(container.args, at(path, 'args'), `args of the ${label}`, out);
  validatePorts(container.ports, at(path, 'ports'), label, where, scope.portNames, out);
  validateMounts(container.volumeMounts, at(path, 'volumeMounts'), label, scope.volumes, out);
  validateEnv(container.env, at(path, 'env'), out);
}
