import { describe, expect, it } from 'vitest';
import { pgErrorFromDataApi } from '../../src/warehouse/drivers/data-api-errors.js';
import { dataApiSql } from '../../src/warehouse/drivers/data-api-params.js';
import { classifyWarehouseError } from '../../src/warehouse/errors.js';

describe('the Data API parameters', () => {
  it('turns $n into :pn, values into strings, and a null into the literal NULL', () => {
    expect(dataApiSql('SELECT $1::int8, $2, $3::timestamp, $1', [7, 'a', null])).toEqual({
      Sql: 'SELECT :p1::int8, :p2, NULL::timestamp, :p1',
      Parameters: [
        { name: 'p1', value: '7' },
        { name: 'p2', value: 'a' },
      ],
    });
  });

  it('leaves $n inside string literals and quoted names alone', () => {
    expect(dataApiSql(`SELECT '$1 costs', "col$2", $1`, ['x']).Sql).toBe(`SELECT '$1 costs', "col$2", :p1`);
  });
});

describe("Redshift's error text over the Data API", () => {
  it('gets the SQLSTATE back where the wording is known, so the classes are the same as over pg', () => {
    expect(pgErrorFromDataApi('ERROR: relation "x" does not exist')).toEqual({ message: 'relation "x" does not exist', code: '42P01' });
    expect(classifyWarehouseError(pgErrorFromDataApi('ERROR: permission denied for relation pagenavevent')).failureClass).toBe('environment');
    expect(classifyWarehouseError(pgErrorFromDataApi("ERROR: Load into table 'grade' failed.  Check 'stl_load_errors' system table for details.")).failureClass).toBe('data');
    expect(classifyWarehouseError(pgErrorFromDataApi('ERROR: 1023 DETAIL: Serializable isolation violation on table - 100')).failureClass).toBe('transient');
    expect(classifyWarehouseError(pgErrorFromDataApi('ERROR: division by zero')).failureClass).toBe('data');
  });
});
