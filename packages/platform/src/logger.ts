import { pino, type Logger } from "pino";

export type { Logger };

/**
 * Structured JSON logs on stdout. Anything that looks like a credential is
 * redacted at the logger, so a careless `log.info({ config })` cannot leak it.
 */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? "info"): Logger {
  return pino({
    name: service,
    level,
    redact: {
      paths: [
        "password",
        "*.password",
        "*.*.password",
        "secretKey",
        "*.secretKey",
        "*.*.secretKey",
        "apiKey",
        "*.apiKey",
        "*.*.apiKey",
        "authorization",
        "*.authorization",
        "*.headers.authorization",
      ],
      censor: "[redacted]",
    },
  });
}
