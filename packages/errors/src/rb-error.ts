const KINDS = Symbol.for('@rb/errors.kinds');

/** What every `@rb/*` error is built from: one object, so adding a field never reorders arguments. */
export interface RbErrorOptions<C extends string = string> {
  /** A stable string from the package's documented code union, for programs to switch on. */
  code: C;
  message: string;
  /** The input field or option at fault, as a path (`trace.memories[1].title`, `maxSize`). Defaults to none. */
  field?: string;
  /** Whether the same call may succeed when retried unchanged (a timeout, a 503, a server restarting). Defaults to `false`. */
  isRetryable?: boolean;
  /** The underlying error, kept as the ES2022 `cause`. */
  cause?: unknown;
}

/**
 * The base of every error the `@rb/*` packages throw: a `code` from a documented union, `field` for bad input,
 * `isRetryable`, the `cause`, and `isInstance` that works across two copies of a package (where `instanceof` fails).
 *
 * A subclass declares its own `static readonly kind` (a globally unique string such as `'@rb/cache.CacheError'`) and
 * its `name`; `Sub.isInstance(e)` is then true for instances of `Sub` and of its subclasses only.
 */
export class RbError<C extends string = string> extends Error {
  static readonly kind: string = '@rb/errors.RbError';

  override readonly name: string = 'RbError';
  readonly code: C;
  readonly field: string | undefined;
  readonly isRetryable: boolean;

  constructor(options: RbErrorOptions<C>) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.field = options.field;
    this.isRetryable = options.isRetryable ?? false;
    // Non-enumerable, so it stays out of JSON and logs; Symbol.for makes it readable by another copy of this package.
    Object.defineProperty(this, KINDS, { value: kindsOf(new.target) });
  }

  /** True when `error` is an instance of this class (or a subclass), even one created by another copy of the package. */
  static isInstance<T extends abstract new (...args: never[]) => RbError>(
    this: T & { readonly kind: string },
    error: unknown,
  ): error is InstanceType<T> {
    if (!Object.hasOwn(this, 'kind')) {
      // Inheriting the parent's kind would make Sub.isInstance(parentError) true: refuse instead of answering wrongly.
      throw new TypeError(`${this.name} must declare its own static kind to support isInstance`);
    }
    if (typeof error !== 'object' || error === null) return false;
    const kinds = (error as { [KINDS]?: unknown })[KINDS];
    return Array.isArray(kinds) && kinds.includes(this.kind);
  }

  /** What logs and tool results show: never the `cause` chain, which may hold request details. */
  toJSON(): { name: string; code: C; message: string; field?: string; isRetryable: boolean } {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.field === undefined ? {} : { field: this.field }),
      isRetryable: this.isRetryable,
    };
  }
}

function kindsOf(target: unknown): readonly string[] {
  const kinds: string[] = [];
  for (let c = target; typeof c === 'function' && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    if (Object.hasOwn(c, 'kind')) kinds.push((c as unknown as { kind: string }).kind);
  }
  return Object.freeze(kinds);
}
