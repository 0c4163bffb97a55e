import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSqliteStore } from '../../src/storage/sqlite.ts';
import { describeStoreConformance } from './conformance.ts';

describeStoreConformance('sqlite', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'slipway-sqlite-'));
  const store = await openSqliteStore(path.join(dir, 'store.db'));
  return { store, cleanup: async () => { await store.close(); await rm(dir, { recursive: true, force: true }); } };
});
