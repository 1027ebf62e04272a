import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import pg from 'pg';
import { stopTestCluster, testDatabase } from './cluster.js';

async function query(url: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

test('each test database is a fresh, separate database on a real server', async (t) => {
  const first = (await testDatabase(t))?.url;
  const second = (await testDatabase(t))?.url;
  if (!first || !second) return;
  assert.notEqual(first, second);
  await query(first, 'CREATE TABLE only_here (n integer)');
  const tables = await query(second, "SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'only_here'");
  assert.equal(tables.rows[0].n, 0, 'a table made in one test database is not in the other');
  const version = await query(first, 'SHOW server_version_num');
  assert.ok(Number(version.rows[0].server_version_num) >= 120000, 'PostgreSQL 12 or newer');
});

test('the throwaway cluster runs unprivileged and is removed when stopped', { skip: process.env.ARRA_TEST_DATABASE_URL ? 'ARRA_TEST_DATABASE_URL names a server this test does not own' : false }, async (t) => {
  const url = (await testDatabase(t))?.url;
  if (!url) return;
  if (process.getuid?.() === 0) {
    const owner = await query(url, "SELECT pg_catalog.pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = 'postgres'");
    assert.equal(owner.rows[0].owner, 'postgres', 'as root the server runs as the postgres user');
  }
  const dir = await stopTestCluster();
  assert.ok(dir && !existsSync(dir), 'the temp dir is gone');
  await assert.rejects(query(url, 'SELECT 1'), /ECONNREFUSED/);
});
