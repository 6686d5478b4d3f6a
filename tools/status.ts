/**
 * kind-style progress lines for cluster scripts: ` ✓ title` / ` ✗ title`.
 *
 * On an interactive terminal (and not under CI=true) a spinner with the elapsed time redraws the
 * running step in place; otherwise each step prints a plain ` • title ...` line and long steps add
 * an elapsed-time line every minute so CI logs show the build is alive.
 */

const SPINNER_FRAMES = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';
const PLAIN_PROGRESS_EVERY_MS = 60_000;
const SPINNER_FRAME_MS = 100;

/** A command or step failure that carries the tail of the output that explains it. */
export class StepError extends Error {
  constructor(
    message: string,
    readonly output = '',
  ) {
    super(message);
    this.name = 'StepError';
  }
}

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
}

/** Last `lines` non-empty lines of command output, indented for display under a ✗ line. */
export function outputTail(output: string, lines = 25): string {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(-lines)
    .map((line) => `    ${line}`)
    .join('\n');
}

export class Status {
  private readonly interactive: boolean;
  private title = '';
  private startedAt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.interactive = Boolean(stream.isTTY) && process.env.CI !== 'true';
  }

  start(title: string): void {
    this.end(false);
    this.title = title;
    this.startedAt = Date.now();
    if (this.interactive) {
      let frame = 0;
      this.timer = setInterval(() => {
        const glyph = SPINNER_FRAMES[frame++ % SPINNER_FRAMES.length];
        this.stream.write(`\r\x1b[2K ${glyph} ${title} (${formatDuration(this.elapsed())})`);
      }, SPINNER_FRAME_MS);
    } else {
      this.stream.write(` • ${title} ...\n`);
      this.timer = setInterval(() => {
        this.stream.write(`   … ${title}: ${formatDuration(this.elapsed())} elapsed\n`);
      }, PLAIN_PROGRESS_EVERY_MS);
    }
  }

  /** Closes the running step; a no-op when none is running, so `finally { end(false) }` is safe. */
  end(ok: boolean): void {
    if (this.title === '') return;
    clearInterval(this.timer);
    const took = this.elapsed() >= 10_000 ? ` [${formatDuration(this.elapsed())}]` : '';
    const mark = ok ? this.color('32', '✓') : this.color('31', '✗');
    if (this.interactive) this.stream.write('\r\x1b[2K');
    this.stream.write(` ${mark} ${this.title}${took}\n`);
    this.title = '';
  }

  /** Runs one titled step: ✓ when it resolves, ✗ (and rethrow) when it fails. */
  async step<T>(title: string, run: () => Promise<T>): Promise<T> {
    this.start(title);
    try {
      const result = await run();
      this.end(true);
      return result;
    } finally {
      this.end(false);
    }
  }

  /** An informational line in the same style, e.g. ` • Ready after 12s`. */
  note(message: string): void {
    this.stream.write(` • ${message}\n`);
  }

  private elapsed(): number {
    return Date.now() - this.startedAt;
  }

  private color(code: string, text: string): string {
    return this.interactive ? `\x1b[${code}m${text}\x1b[0m` : text;
  }
}

/** One titled, idempotent step of a bring-up or teardown (kind's actions). */
export interface Step<C> {
  title: string;
  run(ctx: C): Promise<void>;
}

export async function runSteps<C>(status: Status, steps: Step<C>[], ctx: C): Promise<void> {
  for (const step of steps) await status.step(step.title, () => step.run(ctx));
}

/** Top-level error handler for `main().catch(fatal)`: output tail, then one clear ✗ line, exit 1. */
export function fatal(error: unknown): never {
  if (error instanceof StepError) {
    if (error.output.trim() !== '') process.stderr.write(`${outputTail(error.output)}\n`);
    process.stderr.write(`✗ ${error.message}\n`);
  } else if (error instanceof Error) {
    process.stderr.write(`✗ ${error.message}\n`);
  } else {
    process.stderr.write(`✗ ${String(error)}\n`);
  }
  process.exit(1);
}
