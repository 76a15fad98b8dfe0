import { pino, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

// Anything that could carry a credential is dropped before it is written.
const REDACT = [
  'password',
  'newPassword',
  'token',
  'refreshToken',
  'authorization',
  '*.password',
  '*.newPassword',
  '*.token',
  '*.refreshToken',
  '*.authorization',
  'req.headers.authorization',
  'variables.input.password',
];

export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino({ level, base, redact: { paths: REDACT, censor: '[redacted]' } });
}
