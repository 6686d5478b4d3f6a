/**
 * kind-style step output: ` • title ...` while running (TTY only), then ` ✓ title` or ` ✗ title`.
 * Plain lines when stdout is not a TTY or CI is set. Long steps report elapsed time periodically.
 */
const plain = !process.stdout.isTTY || Boolean(process.env.CI);

export interface Step {
  /** Ends the step; calling it again is a no-op, so `finally { end(false) }` after `end(true)` is safe. */
  end(ok: boolean, detail?: string): void;
}

export function startStep(title: string, progressEverySeconds = 60): Step {
  const started = Date.now();
  let open = true;
  if (!plain) process.stdout.write(` • ${title} ...`);
  const timer = setInterval(() => {
    const elapsed = Math.round((Date.now() - started) / 1000);
    if (plain) console.log(`   … ${title}: ${elapsed}s`);
    else process.stdout.write(`\r • ${title} ... ${elapsed}s`);
  }, progressEverySeconds * 1000);
  timer.unref();
  return {
    end(ok, detail) {
      if (!open) return;
      open = false;
      clearInterval(timer);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const line = ` ${ok ? '✓' : '✗'} ${title}${detail ? ` (${detail})` : ''} [${seconds}s]`;
      if (plain) console.log(line);
      else process.stdout.write(`\r\x1b[2K${line}\n`);
    },
  };
}

/** Runs `work` as one step: ✓ on success, ✗ and rethrow on failure. */
export async function step<T>(
  title: string,
  work: () => Promise<T>,
  detail?: (result: T) => string,
): Promise<T> {
  const s = startStep(title);
  try {
    const result = await work();
    s.end(true, detail?.(result));
    return result;
  } finally {
    s.end(false);
  }
}

/** A failure whose message is the one line the user sees; the process exits with `exitCode`. */
export class FatalError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    readonly diagnostics?: string,
  ) {
    super(message);
  }
}

/** `main().catch(fatal)`: prints diagnostics then one ✗ line, and exits non-zero. */
export function fatal(error: unknown): never {
  if (error instanceof FatalError) {
    if (error.diagnostics) console.error(error.diagnostics);
    console.error(`✗ ${error.message}`);
    process.exit(error.exitCode);
  }
  console.error(error);
  process.exit(1);
}
