import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Structured JSON logs on stderr, never stdout: on the stdio transport stdout carries the protocol and nothing else.
 * Secrets never reach a log: the configuration is logged through `describeConfig`, URLs through `redactUrl`, and
 * `authorization` / `apiKey` fields are censored should one slip into a logged object.
 */
export function createLogger(level: string, destination: number | NodeJS.WritableStream = 2): Logger {
  const stream = typeof destination === 'number' ? pino.destination({ fd: destination, sync: true }) : destination;
  return pino(
    {
      name: 'reasoning-bank',
      level,
      redact: { paths: ['*.authorization', '*.apiKey', '*.authToken', 'headers.authorization'], censor: '[redacted]' },
    },
    stream,
  );
}
