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
