const MARKER = Symbol.for('@rb/telemetry.TelemetryError');

/**
 * What went wrong, as a stable string a caller can switch on.
 * - `INVALID_OPTIONS`: an option of `startTelemetry` has the wrong type or value.
 * - `ALREADY_STARTED`: `startTelemetry` was called while an earlier handle is still running.
 * - `NOT_STARTED`: `getStatistics` was called before `startTelemetry`, so nothing is being measured.
 */
export type TelemetryErrorCode = 'INVALID_OPTIONS' | 'ALREADY_STARTED' | 'NOT_STARTED';

/** The one error type `@rb/telemetry` throws. */
export class TelemetryError extends Error {
  override readonly name = 'TelemetryError';
  readonly code: TelemetryErrorCode;
  readonly [MARKER] = true;

  constructor(code: TelemetryErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  /** Works across two copies of this package, where `instanceof` does not. */
  static isInstance(error: unknown): error is TelemetryError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }
}
