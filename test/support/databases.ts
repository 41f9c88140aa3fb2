// Per-test-file databases on the run's PostgreSQL (see global-setup.ts).
import { randomSuffix } from './random-suffix.js';
import pg from 'pg';
import { inject } from 'vitest';

export function adminUrl(): string {
  return inject('pgAdminUrl');
}

/** Creates a new, empty database with a unique name and returns its URL. */
export async function newDatabase(prefix: string): Promise<string> {
  const name = `${prefix}_${randomSuffix()}`.toLowerCase();
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    await client.query(`create database "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return url.toString();
}
