export const MAIN_HELP = `adf — ActiveDataFlow: split-based ingestion, embedded or on AWS Lambda

Usage:
  adf run <flow-file> [options]          run a flow module (export default defineFlow(...))
  adf run --source <type> ... [options]  run a flow described by flags
  adf replay-dead-letters <flow-file|flags>  send the records that failed the transform through the (fixed) flow again
  adf dev [flow] [options]               run the serverless functions in this process (local AWS)
  adf status [<flow>] [--json]           the flow's splits in the DynamoDB split table (or --state-dir DIR)
  adf retry|reset|forget|redrive <flow>  fix splits: see adf retry --help
  adf ui [--state-dir DIR | --flow NAME] [--port 8080]  a web page of the splits, refreshing itself
  adf topic create|describe|add-partitions <topic>  Rafka topic admin (like kafka-topics)
  adf produce <topic> [--key-field F]    JSON Lines / CSV from stdin or --file into a Rafka topic
  adf consume <topic> [--group G]        a Rafka topic as JSON Lines on stdout
  adf --help | adf <command> --help | adf --version

Results (the run summary, JSON) go to stdout; progress and logs go to stderr (the summary too
when the records themselves go to stdout: --sink stdout). adf with no command prints this on
stderr and exits 2; --help prints it on stdout.
Exit codes: 0 ok · 1 records dead-lettered or splits failed · 2 bad usage · 130 interrupted.
`;

export const RUN_HELP = `adf run — run a flow in this process (the embedded runtime)

  adf run <flow-file> [--export NAME] [runtime options]
  adf run --source file --path <dir|file> [--format csv|jsonl] --sink jsonl --out <dir> [options]
  adf run --source rafka --redis-url <url> --topic <name> [--partitions N] --sink redis-stream --out <stream> [options]

Source options (flag form):
  --source <type>        file | rafka (alias redis-stream)
  --path <path>          a directory (read recursively) or one file; or s3://bucket/prefix
  --format <fmt>         csv | jsonl (default: from each file's extension; .gz is gunzipped)
  --include <glob>       only files matching (repeatable), relative to --path
  --exclude <glob>       skip files matching (repeatable)
  --no-recursive         do not descend into subdirectories
  --delimiter <char>     CSV field delimiter (default ",")
  --quote <char>         CSV quote character (default '"')
  --encoding <enc>       text encoding of files without a BOM: utf-8 (default) | utf-16le | utf-16be | latin1
  --csv-duplicate-headers <what>  a CSV header naming a column twice: error (default, file dead-lettered) | rename (v, v_2)
  --split-size <bytes>   cut uncompressed files larger than this into byte-range splits (default 64M; k/M/G suffixes)
  --after-finish <what>  once all of a file's splits are finished: leave | delete | move:<dir or s3://bucket/prefix/> (default leave)
  --follow-symlinks <w>  input links to files: within-root (default; a link out of --path is skipped and reported) | any | never
  --min-file-age <dur>   skip files modified less than this long ago (still being written), e.g. 30s, 5m; a later run reads them

Rafka source options (a Kafka-like topic on Redis streams: --source rafka, alias redis-stream):
  --redis-url <url>      redis://[:password@]host:port, rediss:// for TLS (default $ADF_REDIS_URL, $REDIS_URL)
  --topic <name>         the topic: partition streams <topic>:0 … <topic>:N-1
  --partitions <n>       partition count (default: find <topic>:<n> streams with SCAN, again every 10 s)
  --group <name>         consumer group (default: the flow name)
  --until latest         stop at each partition's last entry at start (default: run until Ctrl-C)
  --start <where>        where a new group starts: earliest | latest | <entry id> (default earliest)

Sink options (flag form):
  --sink <type>          jsonl | s3 | stdout | null | redis-stream | rafka (default: jsonl with --out, else stdout)
  --out <dir|url|stream> output directory for --sink jsonl (one part file per split); s3://bucket/prefix/
                         for --sink s3; stream key for --sink redis-stream
  --name <name>          flow name (default <source>-to-<sink>); with it the state is .adf/<name>, without it
                         .adf/<source>-to-<sink>-<hash of what it reads and where it writes>
  With --sink stdout the records are the output: the run summary goes to stderr instead.
  --key-field <field>    --sink rafka: partition by this field of each record (Kafka's partitioner); the
                         topic is --topic (--out when the source is rafka too) and must exist (adf topic create)

Runtime options:
  --parallelism <n>      readers, each on its own worker thread (default: number of cores)
  --batch-size <n>       records per batch at most (default 5000)
  --batch-bytes <n>      bytes per batch at most (default 8388608)
  --state-dir <dir>      split checkpoints; rerun with the same one to resume (default .adf/<flow>); a state
                         made by a run reading or writing elsewhere is refused (exit 2)
  --dead-letter <dir>    where bad records go, with file, line, offset and reason (default <state-dir>/dead-letter)
  --fresh                forget earlier progress and start over, the --out of --sink jsonl too
  --no-retry-failed      leave splits that FAILED in an earlier run (default: a rerun retries them)
  --error-budget <share> stop the run once more than this share of the records failed the transform
                         (default 0.5; off = never); the failing batch is not written or committed
  --error-budget-after <n>  judge the share only after this many records (default 1000)
  --max-attempts <n>     consecutive failed attempts before a split is FAILED (default 3; never fewer than
                         the source needs: rafka allows maxDeliveries + 1)
  --export <name>        the flow module's export to run (default: default, then "flow")
  --quiet                no progress on stderr
  --verbose              stack traces for errors
  -h, --help             this help
`;

export const REPLAY_HELP = `adf replay-dead-letters — records that failed the transform, through the fixed flow again

  adf replay-dead-letters <flow-file> [--state-dir DIR] [runtime options]
  adf replay-dead-letters --source ... --sink ... [the same flags as the run]

Takes the committed dead letters of the flow's state directory whose reason is "transform failed"
(bad input stays where it is: fix the file instead), that no earlier replay took, and runs them
through the flow's transform into its sink: each record exactly once, resumable like a run.
Records that fail again go to <state-dir>/replay/dead-letter, and the next replay takes them too.
It takes the same options as adf run (see adf run --help) except --fresh.
`;

export const DEV_HELP = `adf dev — the serverless functions in this process, the way Lambda runs them

  adf dev [--flow-json JSON | --source <type> ... flow flags] [options]

Runs the enumerator (at start, then on a schedule), the failure handler (on a schedule) and a
poller in place of the SQS event source mapping: it long-polls the split queue, invokes the
reader with a real SQSEvent and a Lambda-like context, deletes the messages the reader did not
report in batchItemFailures, and lets the failed ones reappear after the visibility timeout.
Stop with Ctrl-C (it waits for running invocations).

It uses the environment the functions use on Lambda: ADF_SPLIT_TABLE, ADF_SPLIT_QUEUE_URL,
ADF_DLQ_URL, ADF_MAX_ATTEMPTS, ADF_BATCH_SIZE … and the AWS_ENDPOINT_URL_* / AWS_REGION / keys
that \`npm run -s local:aws\` prints (without them: real AWS, with your credentials).

Flow (else ADF_FLOW from the environment):
  --flow-json <json>            the flow as ADF_FLOW, e.g. '{"name":"orders","source":"file",...}'
  --source … --sink … --out …   the flag form with every source and sink flag of adf run (see
                                adf run --help: --path, --format, --redis-url, --topic, --until,
                                --split-size, --batch-size (records per batch), --error-budget …)
  --name <name>                 flow name (default <source>-to-<sink>, as in adf run)
  --dead-letter <dir|s3://…>    where bad records go (default .adf/<flow>/dead-letter); named at
                                start, counted at the end (exit 1 when there are any)

Loop options:
  --enumerate-every <d>         enumerator schedule (default 60s; off: only at start)
  --failure-handler-every <d>   failure handler schedule (default 30s; off: never)
  --messages-per-invocation <n> SQS messages per reader invocation, 1-10 (default 1: a message
                                holds its split for the whole invocation; the event source
                                mapping's batch size on Lambda)
  --reader-timeout <s>          the reader's timeout in seconds (default 120)
  --visibility-timeout <s>      seconds a received message stays hidden (default 6 x reader timeout)
  --queue per-flow|shared       per-flow: a split queue and DLQ of the flow's own, <queue>-<flow>,
                                created next to ADF_SPLIT_QUEUE_URL (default with an emulator:
                                AWS_ENDPOINT_URL_SQS set); shared: ADF_SPLIT_QUEUE_URL itself
                                (default on AWS). A reader refuses another flow's messages.
  --once                        enumerate, drain the queue, run the failure handler, exit;
                                prints the loop's counters, records, badRecords and deadLetter
                                as JSON on stdout (exit 1 on errors or bad records)
  --quiet                       report failed invocations only
  --verbose                     every invocation, DEBUG function logs, stack traces
  -h, --help                    this help

Durations: 30s, 5m, 500ms, 1h or a number of seconds. The functions' JSON logs go to stdout (as to
CloudWatch); the loop's progress goes to stderr. EMF metrics are off unless
POWERTOOLS_METRICS_DISABLED is set.
`;

export const STATUS_HELP = `adf status — a serverless flow's splits, from the DynamoDB split table

  adf status [<flow>] [--json] [--table NAME]

Prints the split counts, the enumerator's row (discovery cursor, done, complete) and one line
per split: id, status, lease owner and time left, lease token, checkpoint, failed attempts,
records written and the last error. --json prints everything, untruncated.

  <flow>          the flow name (default: the "name" in ADF_FLOW)
  --table NAME    the split table (default: ADF_SPLIT_TABLE)
  --state-dir DIR an embedded flow's state dir instead (readable while adf run goes on)
  --redis-url URL a Rafka flow's Redis, for entries behind per partition (default ADF_REDIS_URL)
  --json          JSON on stdout instead of the table
  -h, --help      this help

Endpoints and credentials come from the environment (AWS_ENDPOINT_URL_DYNAMODB, AWS_REGION …).
`;

export const ADMIN_HELP = `adf retry | reset | forget | redrive — change splits instead of editing the state by hand

  adf retry <flow> (--split ID | --failed)           FAILED → PENDING, attempts reset
  adf reset <flow> --split ID --to earliest|latest|<entry id> [--force]
                                                    a Rafka partition to a position, a file split to its start
  adf forget <flow> (--split ID | --finished-before DATE)
                                                    drop FINISHED rows: the next discovery ingests those files again
  adf redrive <flow>                                 DLQ messages back to work (their splits retried)

The state: --state-dir DIR (embedded; refused while a run holds it) or the split table
(--table NAME or ADF_SPLIT_TABLE, with the flow name). Serverless: a changed split gets a
message on --queue-url / ADF_SPLIT_QUEUE_URL (else the failure handler re-sends it); redrive
reads --dlq-url / ADF_DLQ_URL. Embedded: the next adf run picks changed splits up; redrive
retries every FAILED split.

  --yes, -y       change more than one split without asking (required when stdin is not a terminal)
  --force         reset a split a live lease holds (the holder's next commit is refused)
  --redis-url URL for --to latest (default ADF_REDIS_URL)

Each change is printed on stdout and written on the row as an audit line (who, when, what).
`;

export const UI_HELP = `adf ui — a web page of a flow's splits, refreshing itself

  adf ui --state-dir DIR [--port 8080]         an embedded flow (works while adf run goes on)
  adf ui --flow NAME [--table NAME] [--port 8080]  a serverless flow's split table (ADF_SPLIT_TABLE)

Shows the split counts, one row per split (progress, lag, records, attempts, lease owner and
time left, the last error) with a Retry button on FAILED splits (as adf retry; on a state dir
only while no run holds it) and a chart of records/s. GET /api/status returns what
adf status --json prints. Listens on 127.0.0.1 (--host to change it); the URL goes to stdout.
`;

export const TOPIC_HELP = `adf topic — Rafka topic admin, like kafka-topics / kafka-consumer-groups

  adf topic create <topic> --partitions N [--max-len M]
  adf topic describe <topic> [--json]
  adf topic add-partitions <topic> --to N

create          writes the topic's metadata (<topic>:meta: partitions, created, retention) that
                producers, the rafka sink, adf consume and the rafka source read: no --partitions
                elsewhere. --max-len M: producers trim each partition to about M entries.
describe        partitions, length, first/last entry id, and per partition each consumer group's
                lag (entries not acknowledged yet: unread + pending) and pending entries.
add-partitions  raises the count (never lowers it). Keys hash modulo the new count, so most keys
                move to another partition from then on; their earlier records stay put, so per-key
                order holds only within a partition. Running readers find the new partitions.
  --redis-url <url>   default $ADF_REDIS_URL, $REDIS_URL
`;

export const PRODUCE_HELP = `adf produce — records into a Rafka topic, like kafka-console-producer

  adf produce <topic> [--key-field F] [--id-field F] [--file P] [--format jsonl|csv]

Reads JSON Lines (one object per line) or CSV with a header row from stdin or --file and appends
each record to the partition Kafka's default partitioner gives its key (murmur2 of the key's UTF-8
bytes): one key's records stay in order. Records without a key go round-robin. A bad line is
reported on stderr with its number and skipped (exit 1). Prints a summary (JSON) on stdout.
  --key-field F     the record field that is the key
  --id-field F      idempotent: a record whose F was produced before (within a day) is not appended
                    again, so a rerun after a crash adds only what is missing
  --batch-size N    records per pipelined round trip (default 5000)
  --redis-url <url> default $ADF_REDIS_URL, $REDIS_URL
`;

export const CONSUME_HELP = `adf consume — a Rafka topic as JSON Lines, like kafka-console-consumer

  adf consume <topic> [--group G] [--from earliest|latest|<id>] [--max N] [--exit-at-end]

Prints {"partition","id","key","value","headers"} per entry on stdout, in order per partition.
Without --group: reads from --from (default earliest), commits nothing. With --group: reads what
the group has not read yet (a new group starts at --from) and acknowledges what it printed.
Follows the topic until Ctrl-C, --max N records, or with --exit-at-end the first empty poll.
  --redis-url <url> default $ADF_REDIS_URL, $REDIS_URL
`;
