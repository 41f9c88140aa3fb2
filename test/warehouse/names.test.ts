// The names rsetl puts into Redshift SQL: their limit in bytes is told apart from the character
// rule, and a bus never gets a schema that belongs to the database itself.
import { describe, expect, it } from 'vitest';
import { assertBusSchemaName, assertSimpleName, ident } from '../../src/sql/quote.js';

const message = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected a refusal');
};

describe('assertSimpleName', () => {
  it('accepts a simple name of up to 127 bytes', () => {
    expect(assertSimpleName('schema', 'loan')).toBe('loan');
    expect(assertSimpleName('schema', `_a$1${'b'.repeat(123)}`)).toHaveLength(127);
  });

  it('says the byte limit for a name that is only too long', () => {
    const m = message(() => assertSimpleName('schema', 'a'.repeat(200)));
    expect(m).toContain('at most 127 bytes');
    expect(m).toContain('200 bytes');
    expect(m).not.toContain('lower-case');
    expect(m.length).toBeLessThan(160);
    expect(message(() => assertSimpleName('schema', 'a'.repeat(128)))).toContain('128 bytes, and a Redshift name is at most 127 bytes');
  });

  it('says the character rule for a name that is short enough', () => {
    for (const bad of ['Loan', '1loan', 'lo-an', 'lo an', 'é']) {
      const m = message(() => assertSimpleName('schema', bad));
      expect(m, bad).toContain('must be lower-case letters, digits, _ or $, starting with a letter or _');
      expect(m, bad).not.toContain('127');
    }
  });

  it('refuses an empty name', () => {
    expect(message(() => assertSimpleName('user', ''))).toBe('user must not be empty');
  });
});

describe('ident', () => {
  it('counts the 127-byte limit in UTF-8 bytes', () => {
    expect(ident('é'.repeat(63))).toBe(`"${'é'.repeat(63)}"`);
    expect(message(() => ident('é'.repeat(64)))).toContain('is 128 bytes; a Redshift name is 1 to 127 bytes');
    expect(() => ident('')).toThrow(/0 bytes/);
  });
});

describe('assertBusSchemaName', () => {
  it('accepts an ordinary schema name', () => {
    expect(assertBusSchemaName('loan')).toBe('loan');
    expect(assertBusSchemaName('public_loan')).toBe('public_loan');
    expect(assertBusSchemaName('pgloan')).toBe('pgloan');
  });

  it('refuses public', () => {
    expect(message(() => assertBusSchemaName('public'))).toMatch(/^schema "public" cannot be a bus schema: it is the database's shared default schema/);
  });

  it('refuses the system schemas by name', () => {
    for (const name of ['information_schema', 'catalog_history']) {
      expect(message(() => assertBusSchemaName(name))).toBe(
        `schema "${name}" cannot be a bus schema: it is a Redshift system schema; choose a name of the bus's own`,
      );
    }
  });

  it('refuses every name starting with pg_', () => {
    for (const name of ['pg_catalog', 'pg_internal', 'pg_automv', 'pg_auto_copy', 'pg_mv', 'pg_s3', 'pg_temp_12', 'pg_toast', 'pg_loan']) {
      expect(message(() => assertBusSchemaName(name)), name).toContain('names starting with pg_ are reserved for Redshift\'s system schemas');
    }
  });

  it('applies the simple-name rules first', () => {
    expect(message(() => assertBusSchemaName('PUBLIC'))).toContain('must be lower-case letters');
    expect(message(() => assertBusSchemaName(`pg_${'x'.repeat(130)}`))).toContain('at most 127 bytes');
  });
});
