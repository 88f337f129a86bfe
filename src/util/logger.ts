import { pino, type Logger } from "pino";

export type { Logger };

/**
 * Structured logger. Logs always go to stderr (stdout is reserved for `--json` output).
 * On a TTY the output is readable (pino-pretty); otherwise newline-delimited JSON.
 */
export function createLogger(opts: { level?: string; pretty?: boolean } = {}): Logger {
  const level = opts.level ?? process.env.SEGSTREAM_LOG_LEVEL ?? "info";
  const pretty = opts.pretty ?? process.stderr.isTTY;
  if (pretty) {
    return pino({
      level,
      transport: {
        target: "pino-pretty",
        options: { destination: 2, colorize: true, translateTime: "HH:MM:ss.l", ignore: "pid,hostname" },
      },
    });
  }
  return pino({ level, base: undefined }, pino.destination({ fd: 2, sync: true }));
}

/** A logger that discards everything (tests, library use). */
export const silentLogger: Logger = pino({ level: "silent" });
