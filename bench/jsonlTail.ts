import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Follows the part files of a JSONL sink's output directory and calls `onLine` with each new
 * complete line and the time it was first seen. Polled (every `everyMs`), not watched: inotify
 * events on an appended file are not guaranteed on every filesystem, and a 10 ms poll is a
 * known, bounded error (≤ everyMs, half of it on average) that the latency bench states.
 */
export class JsonlTail {
  private readonly offsets = new Map<string, number>();
  private readonly partial = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly dir: string, private readonly onLine: (line: unknown, seenAt: number) => void, private readonly everyMs = 10) {}

  start(): void {
    this.timer = setInterval(() => this.scan(), this.everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.scan();
  }

  private scan(): void {
    if (!existsSync(this.dir)) return;
    const seenAt = Date.now();
    for (const name of readdirSync(this.dir)) {
      if (!name.endsWith('.jsonl')) continue;
      const file = join(this.dir, name);
      const from = this.offsets.get(file) ?? 0;
      const size = statSync(file).size;
      if (size <= from) continue;
      const buffer = Buffer.alloc(size - from);
      const fd = openSync(file, 'r');
      try {
        readSync(fd, buffer, 0, buffer.length, from);
      } finally {
        closeSync(fd);
      }
      this.offsets.set(file, size);
      const text = (this.partial.get(file) ?? '') + buffer.toString('utf8');
      const lines = text.split('\n');
      this.partial.set(file, lines.pop() ?? '');
      for (const line of lines) if (line !== '') this.onLine(JSON.parse(line), seenAt);
    }
  }
}
