/** `jobbot help`. Kept beside the commands so that a new option and its line change together. */
export const USAGE = `Usage: jobbot <command> [options]

Job definitions
  import PATH [--dry-run] [--cluster NAME] [--namespace NAME] [--db PATH]
      Create or update job definitions from PATH: a .yaml, .yml or .json file, or a folder of them
      (its sub-folders are not read). A file is either a Kubernetes Job (kind: Job), which goes to
      --cluster (needed when there are several) in its metadata.namespace or --namespace, or a
      definition file as export writes it. Each is checked like a job saved in Slack, including the
      cluster's dry run, and reported as created, updated (with what changed), unchanged, or invalid
      (FILE:LINE: problem). An invalid file saves nothing. --dry-run checks and saves nothing.
  export [--out DIR] [--db PATH]
      Write every job definition to DIR (default: the current folder) as NAME.yaml, a definition
      file that import reads back unchanged.

Database
  backup FILE [--db PATH]
      Copy the database to the new file FILE while Jobbot keeps running, and check the copy.
  audit verify [--db PATH]
      Check that no audit entry was changed, removed, inserted or re-ordered.
  audit export [--db PATH] [--since ISO-TIME] [--out FILE]
      Write the audit entries (oldest first) as JSON Lines to FILE, or to standard output.

Health
  doctor [--namespace NS[,NS...]] [--db PATH]
      Check the settings, the database, the Slack tokens and each cluster: that it answers, and that
      Jobbot may do what it needs in every namespace its jobs use (and in each NS). Prints a line
      per check with what to do about each problem.

  help
      Show this help.

Settings are read as Jobbot reads them: the environment, then .env in the current folder. The
database is --db, else JOBBOT_DB, else ./data/jobbot.db; export, backup and audit only read it.
Exit status: 0 done; 1 could not run, a file to import was invalid, or a doctor check failed;
2 (audit verify) the audit log was tampered with.
`;
