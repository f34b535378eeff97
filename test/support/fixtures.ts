/** The Kubernetes docs' "pi" Job (https://kubernetes.io/docs/concepts/workloads/controllers/job/), used across the suite. */
export const PI_YAML = `apiVersion: batch/v1
kind: Job
metadata:
  name: pi
spec:
  template:
    spec:
      containers:
      - name: pi
        image: perl:5.34.0
        command: ["perl",  "-Mbignum=bpi", "-wle", "print bpi(2000)"]
      restartPolicy: Never
  backoffLimit: 4
`;

/** A one-container Job that runs `command` in a shell once (no retries): the emulator's scripted job. */
export function shellJobYaml(name: string, command: string, image = 'busybox:1.36'): string {
  return `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: ${image}
        command: ["sh", "-c", ${JSON.stringify(command)}]
`;
}
