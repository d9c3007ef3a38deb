import { spawn } from 'node:child_process';
import { get } from 'node:http';
import { dirname, join } from 'node:path';
import { ConfigError } from '../../errors';
import { freePort } from './freePort';
import type { LocalServer } from './LocalServer';

/**
 * Runs java under a small shell watchdog so no JVM can outlive us. Our end of the shell's
 * stdin pipe closes when we stop it or when this process dies in any way (even SIGKILL, a
 * jest worker torn down); the watchdog then sees EOF and kills java. The shell itself waits
 * on java, so a JVM that fails to start shows up as the shell's exit.
 *
 * SIGKILL, not SIGTERM: the database is in memory, so there is nothing to flush, and the
 * JVM's graceful shutdown takes about 2 s.
 */
const WATCHDOG = `
exec 3<&0 0</dev/null
"$@" &
pid=$!
trap 'kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
trap 'exit 143' TERM INT HUP
( cat <&3 >/dev/null; kill -9 $pid 2>/dev/null ) >/dev/null 2>&1 &
exec 3<&-
wait $pid
`;

/** C1-only JIT and the serial collector start the JVM ~20% faster; the heap cap keeps two test workers small. */
export const DEFAULT_DYNAMODB_LOCAL_JVM_OPTIONS: readonly string[] = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Xmx512m'];

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
const OUTPUT_TAIL_CHARS = 4_000;

export interface DynamoDbLocalOptions {
  /** 0 or unset picks a free port. DynamoDB Local listens on every interface; it has no bind option. */
  readonly port?: number;
  readonly jvmOptions?: readonly string[];
}

/**
 * Starts AWS's DynamoDB Local (the jar shipped in the npm package amplify-dynamodb-simulator)
 * in memory with one shared database, so every credential and region sees the same tables,
 * as with LocalStack.
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<LocalServer> {
  const port = options.port || (await freePort());
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const args = [
    ...(options.jvmOptions ?? DEFAULT_DYNAMODB_LOCAL_JVM_OPTIONS),
    '-Djava.library.path=./DynamoDBLocal_lib',
    '-jar',
    'DynamoDBLocal.jar',
    '-inMemory',
    '-sharedDb',
    '-disableTelemetry',
    '-port',
    String(port),
  ];
  const started = Date.now();
  // detached: its own process group, so stop() can kill shell, watchdog and java together.
  const child = spawn('/bin/sh', ['-c', WATCHDOG, 'dynamodb-local', java, ...args], {
    cwd: emulatorDirectory(),
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const keepTail = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout.on('data', keepTail);
  child.stderr.on('data', keepTail);

  let exited = false;
  child.once('error', (error) => {
    // spawn itself failed (no /bin/sh): there will be no 'exit' event.
    exited = true;
    output += error.message;
  });
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      // Lets the watchdog's `cat` see EOF and end too.
      child.stdin.destroy();
      resolve();
    });
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (!exited) {
        child.stdin.end();
        const timer = setTimeout(() => killGroup(child.pid), STOP_TIMEOUT_MS);
        await exit;
        clearTimeout(timer);
      }
    })());

  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = started + READY_TIMEOUT_MS;
  while (!(await answers(endpoint))) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`DynamoDB Local did not start on port ${port} (${exited ? 'java exited' : 'timed out'}):\n${output.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { endpoint, port, startupMs: Date.now() - started, stop };
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Any HTTP answer (it is a 400 without credentials) means the server is up. */
function answers(endpoint: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = get(endpoint, (response) => {
      response.resume();
      resolve(true);
    });
    request.on('error', () => resolve(false));
    request.setTimeout(1000, () => {
      request.destroy();
      resolve(false);
    });
  });
}

function emulatorDirectory(): string {
  try {
    return join(dirname(require.resolve('amplify-dynamodb-simulator/package.json')), 'emulator');
  } catch (error) {
    throw new ConfigError('DynamoDB Local needs the npm package amplify-dynamodb-simulator (npm i -D amplify-dynamodb-simulator)', {
      cause: error,
    });
  }
}
