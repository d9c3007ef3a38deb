export const MAIN_HELP = `adf — ActiveDataFlow: split-based ingestion, embedded or on AWS Lambda

Usage:
  adf run <flow-file> [options]          run a flow module (export default defineFlow(...))
  adf run --source <type> ... [options]  run a flow described by flags
  adf --help | adf run --help

Results (the run summary, JSON) go to stdout; progress and logs go to stderr.
Exit codes: 0 ok · 1 records dead-lettered or splits failed · 2 bad usage · 130 interrupted.
`;

export const RUN_HELP = `adf run — run a flow in this process (the embedded runtime)

  adf run <flow-file> [--export NAME] [runtime options]
  adf run --source file --path <dir|file> [--format csv|jsonl] --sink jsonl --out <dir> [options]

Source options (flag form):
  --source <type>        file
  --path <path>          a directory (read recursively) or one file
  --format <fmt>         csv | jsonl (default: from each file's extension; .gz is gunzipped)
  --include <glob>       only files matching (repeatable), relative to --path
  --exclude <glob>       skip files matching (repeatable)
  --no-recursive         do not descend into subdirectories
  --delimiter <char>     CSV field delimiter (default ",")
  --quote <char>         CSV quote character (default '"')

Sink options (flag form):
  --sink <type>          jsonl | stdout | null
  --out <dir>            output directory for --sink jsonl (one part file per split)
  --name <name>          flow name (default <source>-to-<sink>; names the state directory)

Runtime options:
  --parallelism <n>      readers, each on its own worker thread (default: number of cores)
  --batch-size <n>       records per batch at most (default 5000)
  --batch-bytes <n>      bytes per batch at most (default 8388608)
  --state-dir <dir>      split checkpoints; rerun with the same one to resume (default .adf/<flow>)
  --dead-letter <dir>    where bad records go, with file, line, offset and reason (default <state-dir>/dead-letter)
  --fresh                forget earlier progress and start over
  --max-attempts <n>     failed attempts before a split is FAILED (default 3)
  --export <name>        the flow module's export to run (default: default, then "flow")
  --quiet                no progress on stderr
  --verbose              stack traces for errors
  -h, --help             this help
`;
