/**
 * Structured logging (pino): JSON lines by default, human-readable when stdout is a terminal.
 * Secrets are redacted by path, and log lines never carry token values (auth logs names only).
 */
import { type Logger, pino } from "pino";

export type { Logger };

const REDACT_PATHS = [
  "secret",
  "*.secret",
  "token",
  "*.token",
  "routing_key",
  "*.routing_key",
  "password",
  "*.password",
  "req.headers.authorization",
  "headers.authorization",
];

export interface LoggerOptions {
  level?: string;
  /** Pretty output; defaults to whether stdout is a TTY. */
  pretty?: boolean;
  /** Where JSON lines go (default stdout); tests pass a stream to read them. */
  destination?: NodeJS.WritableStream;
}

export async function createLogger(opts: LoggerOptions = {}): Promise<Logger> {
  const base = {
    level: opts.level ?? process.env.HMS_OPS_LOG_LEVEL ?? "info",
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    base: { app: "hms-ops" },
  };
  const pretty = opts.pretty ?? (opts.destination === undefined && process.stdout.isTTY === true);
  if (pretty) {
    // Loaded only on a terminal: pino-pretty is not needed (nor paid for at start-up) in production.
    const { default: prettyStream } = await import("pino-pretty");
    return pino(base, prettyStream({ colorize: true, sync: true, translateTime: "SYS:HH:MM:ss.l" }));
  }
  return opts.destination ? pino(base, opts.destination) : pino(base);
}

/** A logger that drops everything, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
