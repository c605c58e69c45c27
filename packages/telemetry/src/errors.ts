import { RbError, type RbErrorOptions } from '@rb/errors';

/**
 * What went wrong, as a stable string a caller can switch on.
 * - `INVALID_OPTIONS`: an option of `startTelemetry` (or the `OTEL_*` variable standing in for it) has the wrong type
 *   or value; `field` names it.
 * - `ALREADY_STARTED`: `startTelemetry` was called while an earlier handle is still running.
 * - `NOT_STARTED`: `getStatistics` was called before `startTelemetry`, so nothing is being measured.
 */
export type TelemetryErrorCode = 'INVALID_OPTIONS' | 'ALREADY_STARTED' | 'NOT_STARTED';

/** The one error type `@rb/telemetry` throws. `TelemetryError.isInstance(e)` works across two copies of the package. */
export class TelemetryError extends RbError<TelemetryErrorCode> {
  static override readonly kind: string = '@rb/telemetry.TelemetryError';
  override readonly name: string = 'TelemetryError';

  constructor(options: RbErrorOptions<TelemetryErrorCode>) {
    super(options);
  }
}

/** The error of a bad option, for `OptionReader`. */
export const invalidOption = (field: string, message: string): TelemetryError =>
  new TelemetryError({ code: 'INVALID_OPTIONS', field, message });
