import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { ChaosEvent } from './ChaosFaults';

export type WorkerRole = 'reader' | 'enumerator' | 'failureHandler';

export interface Worker {
  readonly id: number;
  readonly role: WorkerRole;
  readonly child: ChildProcess;
  /** Kept running for the whole run (respawned when killed), unlike an extra, overlapping one. */
  readonly permanent: boolean;
  stopped: boolean;
  exited: boolean;
  /** Reader invocations it finished: a fault aimed at a worker that is still booting proves nothing. */
  invocations: number;
  /** Inside a sink-write pause: left alone, so that its stale write really happens. */
  paused: boolean;
}

const REPO = resolve(__dirname, '..', '..');
const WORKER = join(__dirname, 'chaosWorker.ts');

/**
 * The worker bundled once per run with esbuild (as the Lambda functions are): a respawned
 * reader then starts in a fraction of the time `tsx` needs to compile the sources, so a
 * killed reader is back at work quickly even on a loaded machine.
 */
export async function bundleWorker(outDir: string): Promise<string> {
  const { build } = await import('esbuild');
  const outfile = join(outDir, 'chaos-worker.js');
  await build({ entryPoints: [WORKER], bundle: true, platform: 'node', target: 'node20', outfile, logLevel: 'warning', sourcemap: 'inline' });
  return outfile;
}

/**
 * The chaos worker processes: spawns them (`node <bundled chaosWorker>`), routes their
 * event lines (fd 3) to `onEvent`, sends them signals, and kills the lot at the end. Each
 * worker's stdout and stderr (the handlers' JSON logs) go to `<logDir>/<role>-<id>.log`.
 */
export class ChaosWorkers {
  private readonly workers = new Map<number, Worker>();
  private nextId = 0;

  constructor(
    private readonly script: string,
    private readonly baseEnv: Readonly<Record<string, string>>,
    private readonly logDir: string,
    private readonly onEvent: (worker: Worker, event: ChaosEvent) => void,
    private readonly onExit: (worker: Worker, signal: NodeJS.Signals | null) => void,
  ) {
    mkdirSync(logDir, { recursive: true });
  }

  spawn(role: WorkerRole, permanent: boolean, env: Readonly<Record<string, string>>): Worker {
    const id = this.nextId++;
    const log = openSync(join(this.logDir, `${role}-${id}.log`), 'a');
    const child = spawn(process.execPath, ['--enable-source-maps', this.script], {
      cwd: REPO,
      env: { ...process.env, ...this.baseEnv, ...env, CHAOS_ROLE: role },
      stdio: ['ignore', log, log, 'pipe'],
    });
    closeSync(log);
    const worker: Worker = { id, role, child, permanent, stopped: false, exited: false, invocations: 0, paused: false };
    this.workers.set(id, worker);
    createInterface({ input: child.stdio[3] as Readable }).on('line', (line) => {
      try {
        this.onEvent(worker, JSON.parse(line) as ChaosEvent);
      } catch {
        // a torn line from a killed worker
      }
    });
    child.on('exit', (_code, signal) => {
      worker.exited = true;
      this.workers.delete(id);
      this.onExit(worker, signal);
    });
    return worker;
  }

  live(role: WorkerRole, filter: (w: Worker) => boolean = () => true): Worker[] {
    return [...this.workers.values()].filter((w) => w.role === role && !w.exited && filter(w));
  }

  signal(worker: Worker, signal: NodeJS.Signals): boolean {
    if (worker.exited) return false;
    try {
      return worker.child.kill(signal);
    } catch {
      return false;
    }
  }

  stop(worker: Worker): void {
    if (this.signal(worker, 'SIGSTOP')) worker.stopped = true;
  }

  resume(worker: Worker): void {
    if (worker.stopped && this.signal(worker, 'SIGCONT')) worker.stopped = false;
  }

  resumeAll(): void {
    for (const w of this.workers.values()) this.resume(w);
  }

  /** SIGKILL every worker (stopped ones too: a stopped process dies on SIGKILL) and wait for their exits. */
  async killAll(): Promise<void> {
    const all = [...this.workers.values()];
    await Promise.all(
      all.map(
        (w) =>
          new Promise<void>((done) => {
            if (w.exited) return done();
            w.child.once('exit', () => done());
            this.signal(w, 'SIGKILL');
          }),
      ),
    );
  }
}
