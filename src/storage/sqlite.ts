// The embedded store: an append-only revision log in SQLite (kine's design). Every write appends
// one row whose primary key is the next global revision; `current` maps each live key to its
// newest row. History stays queryable until compaction, which is what list-at-revision and
// watch-from-revision read.
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { StoreError, type KeyValue, type ListOptions, type ListResult, type Store, type Watch, type WatchEvent, type WatchHandlers } from './store.ts';

export interface SqliteStoreOptions {
  /** 'full' (default): a write is acknowledged only once fsynced. 'normal': survives a process crash, not a power cut. */
  durability?: 'full' | 'normal';
}

interface Row {
  revision: number;
  key: string;
  deleted: number;
  create_revision: number;
  prev_revision: number;
  value: string;
}

type Operation =
  | { kind: 'create'; key: string; value: string }
  | { kind: 'update'; key: string; value: string; expected: number }
  | { kind: 'delete'; key: string; expected?: number };

interface Pending {
  op: Operation;
  resolve(kv: KeyValue): void;
  reject(error: Error): void;
}

interface Watcher {
  prefix: string;
  handlers: WatchHandlers;
  queue: WatchEvent[];
  scheduled: boolean;
  closed: boolean;
}

const PAGE_FOR_HISTORY = 10_000;

/** The smallest string greater than every string that starts with `prefix`. */
function prefixEnd(prefix: string): string {
  return prefix + '\u{10FFFF}';
}

function toKeyValue(row: Row): KeyValue {
  return { key: row.key, value: row.value, createRevision: row.create_revision, modRevision: row.revision };
}

class SqliteStore implements Store {
  private readonly db: DatabaseSync;
  private revision: number;
  private compacted: number;
  private readonly queue: Pending[] = [];
  private flushScheduled = false;
  private readonly watchers = new Set<Watcher>();
  private closed = false;
  private readonly stmt: Record<'current' | 'atRevision' | 'byRevision' | 'insert' | 'upsertCurrent' | 'deleteCurrent' | 'listCurrent' | 'listAt' | 'history' | 'setMeta', StatementSync>;

  constructor(file: string, options: SqliteStoreOptions) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.db = new DatabaseSync(file);
    this.db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = ${options.durability === 'normal' ? 'NORMAL' : 'FULL'};
      PRAGMA busy_timeout = 5000;
      CREATE TABLE IF NOT EXISTS log (
        revision INTEGER PRIMARY KEY,
        key TEXT NOT NULL,
        deleted INTEGER NOT NULL,
        create_revision INTEGER NOT NULL,
        prev_revision INTEGER NOT NULL,
        value TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS log_key_revision ON log (key, revision);
      CREATE TABLE IF NOT EXISTS current (key TEXT PRIMARY KEY, revision INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
    `);
    const prepare = (sql: string) => this.db.prepare(sql);
    this.stmt = {
      current: prepare('SELECT l.* FROM current c JOIN log l ON l.revision = c.revision WHERE c.key = ?'),
      atRevision: prepare('SELECT * FROM log WHERE key = ? AND revision <= ? ORDER BY revision DESC LIMIT 1'),
      byRevision: prepare('SELECT * FROM log WHERE revision = ?'),
      insert: prepare('INSERT INTO log (revision, key, deleted, create_revision, prev_revision, value) VALUES (?, ?, ?, ?, ?, ?)'),
      upsertCurrent: prepare('INSERT INTO current (key, revision) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET revision = excluded.revision'),
      deleteCurrent: prepare('DELETE FROM current WHERE key = ?'),
      listCurrent: prepare('SELECT l.* FROM current c JOIN log l ON l.revision = c.revision WHERE c.key > ? AND c.key >= ? AND c.key < ? ORDER BY c.key LIMIT ?'),
      listAt: prepare(`SELECT l.* FROM log l JOIN (
          SELECT key, MAX(revision) AS revision FROM log WHERE key > ? AND key >= ? AND key < ? AND revision <= ? GROUP BY key
        ) newest ON l.revision = newest.revision WHERE l.deleted = 0 ORDER BY l.key LIMIT ?`),
      history: prepare('SELECT * FROM log WHERE revision > ? AND revision <= ? AND key >= ? AND key < ? ORDER BY revision LIMIT ?'),
      setMeta: prepare('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value'),
    };
    this.revision = Number((this.db.prepare('SELECT COALESCE(MAX(revision), 0) AS r FROM log').get() as { r: number }).r);
    const compacted = this.db.prepare("SELECT value FROM meta WHERE name = 'compacted'").get() as { value: number } | undefined;
    this.compacted = compacted?.value ?? 0;
  }

  async currentRevision(): Promise<number> {
    return this.revision;
  }

  async compactedRevision(): Promise<number> {
    return this.compacted;
  }

  private checkRevision(revision: number): void {
    if (revision > 0 && revision < this.compacted) {
      throw new StoreError('Compacted', `revision ${revision} has been compacted; the oldest available is ${this.compacted}`, this.compacted);
    }
  }

  async get(key: string, revision?: number): Promise<KeyValue | undefined> {
    this.assertOpen();
    if (revision && revision < this.revision) {
      this.checkRevision(revision);
      const row = this.stmt.atRevision.get(key, revision) as Row | undefined;
      return row && !row.deleted ? toKeyValue(row) : undefined;
    }
    const row = this.stmt.current.get(key) as Row | undefined;
    return row ? toKeyValue(row) : undefined;
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.assertOpen();
    const revision = options.revision && options.revision < this.revision ? options.revision : this.revision;
    this.checkRevision(revision);
    const limit = options.limit && options.limit > 0 ? options.limit : -1;
    const fetch = limit > 0 ? limit + 1 : -1;
    const after = options.after ?? '';
    const rows = (revision === this.revision
      ? this.stmt.listCurrent.all(after, prefix, prefixEnd(prefix), fetch)
      : this.stmt.listAt.all(after, prefix, prefixEnd(prefix), revision, fetch)) as unknown as Row[];
    const more = limit > 0 && rows.length > limit;
    return { items: (more ? rows.slice(0, limit) : rows).map(toKeyValue), revision, more };
  }

  create(key: string, value: string): Promise<KeyValue> {
    return this.enqueue({ kind: 'create', key, value });
  }

  update(key: string, value: string, expectedRevision: number): Promise<KeyValue> {
    return this.enqueue({ kind: 'update', key, value, expected: expectedRevision });
  }

  delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    return this.enqueue({ kind: 'delete', key, expected: expectedRevision });
  }

  // Group commit: every write queued before the next turn of the event loop shares one
  // transaction and so one fsync, while each is still checked and answered on its own.
  private enqueue(op: Operation): Promise<KeyValue> {
    if (this.closed) return Promise.reject(new StoreError('Unavailable', 'the store is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue.splice(0, this.queue.length);
    if (batch.length === 0 || this.closed) {
      for (const p of batch) p.reject(new StoreError('Unavailable', 'the store is closed'));
      return;
    }
    const startRevision = this.revision;
    const outcomes: ({ ok: true; kv: KeyValue; event: WatchEvent } | { ok: false; error: StoreError })[] = [];
    try {
      this.db.exec('BEGIN IMMEDIATE');
      for (const { op } of batch) outcomes.push(this.apply(op));
      this.db.exec('COMMIT');
    } catch (error) {
      try { this.db.exec('ROLLBACK'); } catch { /* the transaction is already gone */ }
      this.revision = startRevision;
      const failure = new StoreError('Unavailable', `sqlite write failed: ${(error as Error).message}`);
      for (const p of batch) p.reject(failure);
      return;
    }
    const events: WatchEvent[] = [];
    batch.forEach((p, i) => {
      const outcome = outcomes[i];
      if (outcome.ok) {
        events.push(outcome.event);
        p.resolve(outcome.kv);
      } else {
        p.reject(outcome.error);
      }
    });
    if (events.length > 0) this.publish(events);
  }

  private apply(op: Operation): { ok: true; kv: KeyValue; event: WatchEvent } | { ok: false; error: StoreError } {
    const existing = this.stmt.current.get(op.key) as Row | undefined;
    if (op.kind === 'create') {
      if (existing) return { ok: false, error: new StoreError('AlreadyExists', `key ${op.key} already exists`, existing.revision) };
    } else {
      if (!existing) return { ok: false, error: new StoreError('NotFound', `key ${op.key} not found`) };
      if (op.expected !== undefined && op.expected !== existing.revision) {
        return { ok: false, error: new StoreError('Conflict', `key ${op.key} is at revision ${existing.revision}, not ${op.expected}`, existing.revision) };
      }
    }
    const revision = ++this.revision;
    const prev = existing ? toKeyValue(existing) : undefined;
    if (op.kind === 'delete') {
      this.stmt.insert.run(revision, op.key, 1, existing!.create_revision, existing!.revision, existing!.value);
      this.stmt.deleteCurrent.run(op.key);
      const kv = { key: op.key, value: existing!.value, createRevision: existing!.create_revision, modRevision: revision };
      return { ok: true, kv, event: { type: 'delete', kv, prev } };
    }
    const createRevision = existing ? existing.create_revision : revision;
    this.stmt.insert.run(revision, op.key, 0, createRevision, existing?.revision ?? 0, op.value);
    this.stmt.upsertCurrent.run(op.key, revision);
    const kv = { key: op.key, value: op.value, createRevision, modRevision: revision };
    return { ok: true, kv, event: { type: 'put', kv, prev } };
  }

  private publish(events: WatchEvent[]): void {
    for (const watcher of this.watchers) {
      const matching = events.filter((e) => e.kv.key.startsWith(watcher.prefix));
      if (matching.length > 0) this.deliver(watcher, matching);
    }
  }

  private deliver(watcher: Watcher, events: WatchEvent[]): void {
    for (const e of events) watcher.queue.push(e);
    if (watcher.scheduled) return;
    watcher.scheduled = true;
    queueMicrotask(() => {
      watcher.scheduled = false;
      if (watcher.closed || watcher.queue.length === 0) return;
      const batch = watcher.queue.splice(0, watcher.queue.length);
      watcher.handlers.onEvents(batch);
    });
  }

  /** History after `after` up to the current revision, in revision order. Runs synchronously, so no write can slip in between it and live delivery. */
  private history(prefix: string, after: number): WatchEvent[] {
    const events: WatchEvent[] = [];
    let from = after;
    for (;;) {
      const rows = this.stmt.history.all(from, this.revision, prefix, prefixEnd(prefix), PAGE_FOR_HISTORY) as unknown as Row[];
      for (const row of rows) {
        const prevRow = row.prev_revision ? this.stmt.byRevision.get(row.prev_revision) as Row | undefined : undefined;
        const prev = prevRow ? toKeyValue(prevRow) : undefined;
        events.push({ type: row.deleted ? 'delete' : 'put', kv: toKeyValue(row), prev });
      }
      if (rows.length < PAGE_FOR_HISTORY) return events;
      from = rows[rows.length - 1].revision;
    }
  }

  watch(prefix: string, afterRevision: number, handlers: WatchHandlers): Watch {
    const watcher: Watcher = { prefix, handlers, queue: [], scheduled: false, closed: false };
    const close = async () => {
      watcher.closed = true;
      this.watchers.delete(watcher);
    };
    if (this.closed) {
      queueMicrotask(() => handlers.onError(new StoreError('Unavailable', 'the store is closed')));
      return { close };
    }
    if (afterRevision + 1 < this.compacted) {
      watcher.closed = true;
      const error = new StoreError('Compacted', `revision ${afterRevision} has been compacted; the oldest available is ${this.compacted}`, this.compacted);
      queueMicrotask(() => handlers.onError(error));
      return { close };
    }
    const replay = afterRevision < this.revision ? this.history(prefix, afterRevision) : [];
    this.watchers.add(watcher);
    if (replay.length > 0) this.deliver(watcher, replay);
    return { close };
  }

  async compact(revision: number): Promise<void> {
    this.assertOpen();
    const target = Math.min(revision, this.revision);
    if (target <= this.compacted) return;
    // Keep, for every key, its newest row at or before the target (that is what a read at the
    // target needs); drop older rows, and deletions that nothing at the target can see.
    this.db.exec('BEGIN IMMEDIATE');
    try {
      this.db.prepare(`DELETE FROM log WHERE revision < ? AND revision NOT IN (
          SELECT MAX(revision) FROM log WHERE revision <= ? GROUP BY key
        )`).run(target, target);
      this.db.prepare('DELETE FROM log WHERE revision < ? AND deleted = 1').run(target);
      this.stmt.setMeta.run('compacted', target);
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
    this.compacted = target;
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError('Unavailable', 'the store is closed');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.queue.length > 0) this.flush();
    this.closed = true;
    for (const watcher of this.watchers) watcher.closed = true;
    this.watchers.clear();
    this.db.close();
  }
}

export async function openSqliteStore(file: string, options: SqliteStoreOptions = {}): Promise<Store> {
  return new SqliteStore(file, options);
}
