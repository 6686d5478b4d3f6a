/**
 * The entry point: configuration, logger, listen, and shutdown. The app itself is app.ts.
 *
 * Shutdown on SIGTERM (or SIGINT): readiness fails at once; requests and WebSockets are served for
 * DRAIN_SECONDS more, HTTP responses carrying `Connection: close`; then every WebSocket gets 1001 and the
 * app closes. If that takes longer than SHUTDOWN_TIMEOUT_SECONDS the process is forced out with code 1;
 * a second signal exits at once (code 1). BAD_MODE=abrupt-shutdown exits at once on SIGTERM instead.
 *
 * Bundled to CommonJS by build/bundle.ts: no top-level await here.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import closeWithGrace from 'close-with-grace';
import Fastify, { type FastifyInstance } from 'fastify';
import serviceApp from './app.ts';
import { type Config, parseConfig } from './config.ts';
import { DrainState } from './drain.ts';
import { clientErrorAnswer } from './identity.ts';
import { BAD_MODE_DESCRIPTIONS } from './modes.ts';

/** Exit code for a configuration error. */
const EXIT_CONFIG = 2;

function main(): void {
  const parsed = parseConfig(process.env);
  if (!parsed.ok) {
    process.stderr.write(`${parsed.error}\n`);
    process.exit(EXIT_CONFIG);
  }
  const { config } = parsed;
  const drain = new DrainState();
  const app = Fastify({
    logger: {
      level: config.logLevel,
      base: { pid: process.pid, pod: config.podName, color: config.color, version: config.version },
    },
    requestTimeout: 30_000,
    // Requests arriving while the server closes are still answered (with the identity headers).
    return503OnClosing: false,
    clientErrorHandler: clientErrorAnswer(config),
  });
  app.register(serviceApp, { config, drain });
  installShutdown(app, config, drain);
  app.listen({ host: config.host, port: config.port }).then(
    () => {
      if (config.badMode !== 'none') {
        app.log.warn({ badMode: config.badMode }, `KNOWN-BAD MODE: ${BAD_MODE_DESCRIPTIONS[config.badMode]}`);
      }
    },
    (err) => {
      app.log.fatal({ err }, 'could not start');
      process.exit(1);
    },
  );
}

function installShutdown(app: FastifyInstance, config: Config, drain: DrainState): void {
  const abrupt = config.badMode === 'abrupt-shutdown';
  if (abrupt) {
    process.once('SIGTERM', () => {
      app.log.warn('SIGTERM: exiting at once (BAD_MODE=abrupt-shutdown)');
      process.exit(0);
    });
  }
  closeWithGrace(
    {
      delay: config.shutdownTimeoutSeconds * 1000,
      logger: app.log,
      skip: abrupt ? ['SIGTERM'] : [],
      onSecondSignal: (signal) => app.log.error({ signal }, 'second signal: exiting at once'),
      onTimeout: (delay) => app.log.error({ delayMs: delay }, 'shutdown timed out: forcing exit'),
    },
    async ({ signal, err }) => {
      if (err) {
        app.log.error({ err }, 'closing after an uncaught error');
      } else if (signal) {
        drain.start();
        app.log.info({ signal, drainSeconds: config.drainSeconds }, 'draining: readiness now fails');
        await sleep(config.drainSeconds * 1000);
        app.log.info('drain over: closing WebSockets (1001) and the server');
      }
      await app.close();
      app.log.info('closed');
    },
  );
}

main();
