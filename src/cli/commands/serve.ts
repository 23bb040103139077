import { createApp, parseListen } from "../../app/index.js";
import { createLogger } from "../../core/log.js";

export async function serve(opts: { config: string; listen?: string; watch: boolean }): Promise<void> {
  const logger = await createLogger();
  const listenText = opts.listen ?? process.env.HMS_OPS_LISTEN;
  const app = await createApp({
    configFile: opts.config,
    logger,
    watch: opts.watch,
    ...(listenText ? { listen: parseListen(listenText) } : {}),
  });
  const url = await app.listen();
  logger.info({ url, probes: app.probes.list().length }, `HMS-OPS serving on ${url}`);

  process.on("SIGHUP", () => {
    logger.info("SIGHUP: reloading config");
    void app.reload();
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    logger.info(`${signal}: shutting down`);
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}
