import { RbError } from './rb-error.js';

type ParentCode = 'BAD' | 'DOWN';
class ParentError extends RbError<ParentCode> {
  static override readonly kind: string = 'test.ParentError';
  override readonly name: string = 'ParentError';
}
class ChildError extends ParentError {
  static override readonly kind = 'test.ChildError';
  override readonly name = 'ChildError';
}
class ForgetfulError extends ParentError {}

describe('RbError', () => {
  it('carries code, field, isRetryable and cause from one options object', () => {
    const cause = new Error('socket hang up');
    const error = new ParentError({ code: 'DOWN', message: 'server down', isRetryable: true, field: 'url', cause });
    expect(error).toMatchObject({ name: 'ParentError', code: 'DOWN', field: 'url', isRetryable: true, message: 'server down' });
    expect(error.cause).toBe(cause);
    expect(new ParentError({ code: 'BAD', message: 'x' }).isRetryable).toBe(false);
  });

  it('isInstance answers per class: a parent error is not a child error', () => {
    const parent = new ParentError({ code: 'BAD', message: 'x' });
    const child = new ChildError({ code: 'BAD', message: 'x' });
    expect(ParentError.isInstance(child)).toBe(true);
    expect(ChildError.isInstance(child)).toBe(true);
    expect(ChildError.isInstance(parent)).toBe(false);
    expect(RbError.isInstance(parent)).toBe(true);
    expect(ParentError.isInstance(new Error('x'))).toBe(false);
    expect(ParentError.isInstance('ParentError')).toBe(false);
    expect(ParentError.isInstance(null)).toBe(false);
  });

  it('isInstance works for an error made by another copy of the package', () => {
    // Another copy has other class objects but the same kind strings: simulate it with a structurally equal class.
    class OtherCopyParent extends RbError<ParentCode> {
      static override readonly kind: string = 'test.ParentError';
    }
    expect(ParentError.isInstance(new OtherCopyParent({ code: 'BAD', message: 'x' }))).toBe(true);
  });

  it('refuses isInstance on a subclass that did not declare its own kind', () => {
    expect(() => ForgetfulError.isInstance(new ParentError({ code: 'BAD', message: 'x' }))).toThrow(/own static kind/);
  });

  it('serialises to JSON without the cause chain', () => {
    const error = new ParentError({ code: 'BAD', message: 'bad title', field: 'title', cause: new Error('secret detail') });
    const json = JSON.stringify(error);
    expect(JSON.parse(json)).toEqual({ name: 'ParentError', code: 'BAD', message: 'bad title', field: 'title', isRetryable: false });
    expect(json).not.toContain('secret detail');
  });
});
