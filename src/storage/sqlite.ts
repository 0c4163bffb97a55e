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

type Outcome = { ok: true; kv: KeyValue; event: WatchEvent } | { ok: false; error: StoreError };

interface Pending {
  op: Operation;
  resolve(kv: KeyValue): void;
  reject(error: Error): void;
}

interface Watcher {
  prefix: string;
  /** Only events after this revision are delivered (a watch may start in the future). */
  after: number;
  handlers: WatchHandlers;
  queue: WatchEvent[];
  scheduled: boolean;
  closed: boolean;
}

const HISTORY_PAGE = 10_000;
/** Compaction proceeds in steps of this many revisions, each its own transaction, so writes interleave. */
const COMPACTION_STEP = 10_000;

/** The smallest string greater than every string that starts with `prefix`. */
function prefixEnd(prefix: string): string {
  return prefix + '\u{10FFFF}';
}

function toKeyValue(row: Row): KeyValue {
  return { key: row.key, value: row.value, createRevision: row.create_revision, modRevision: row.revision };
}

function closedError(): StoreError {
  return new StoreError('Unavailable', 'the store is closed');
}

class SqliteStore implements Store {
  private readonly db: DatabaseSync;
  /** The revision of the last committed write. Ours, not AUTOINCREMENT's, so a rolled-back batch leaves no gap. */
  private revision: number;
  private compacted: number;
  private readonly queue: Pending[] = [];
  private flushScheduled = false;
  private compaction: Promise<void> = Promise.resolve();
  private readonly watchers = new Set<Watcher>();
  private closed = false;
  private readonly stmt: Record<'current' | 'atRevision' | 'byRevision' | 'insert' | 'upsertCurrent' | 'deleteCurrent' | 'listCurrent' | 'listAt' | 'history' | 'setMeta' | 'dropSuperseded' | 'dropTombstones', StatementSync>;

  constructor(file: string, options: SqliteStoreOptions) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.db = new DatabaseSync(file);
    try {
      // EXCLUSIVE: the revision counter lives in this process, so no second process may write;
      // it gets "database is locked" instead of silently forking the history.
      this.db.exec(`
        PRAGMA busy_timeout = 5000;
        PRAGMA locking_mode = EXCLUSIVE;
        PRAGMA journal_mode = WAL;
        PRAGMA synchronous = ${options.durability === 'normal' ? 'NORMAL' : 'FULL'};
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
    } catch (error) {
      this.db.close();
      const message = (error as Error).message;
      throw new StoreError('Unavailable', /locked|busy/i.test(message)
        ? `sqlite store ${file} is in use by another process (${message})`
        : `cannot open sqlite store ${file}: ${message}`);
    }
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
      // A row is superseded once a later row of its key (at or before the compaction point) names it as previous.
      dropSuperseded: prepare('DELETE FROM log WHERE revision IN (SELECT prev_revision FROM log WHERE revision > ? AND revision <= ? AND prev_revision > 0)'),
      // A deletion older than the compaction point is invisible to every readable revision.
      dropTombstones: prepare('DELETE FROM log WHERE revision >= ? AND revision < ? AND deleted = 1'),
    };
    const compacted = this.db.prepare("SELECT value FROM meta WHERE name = 'compacted'").get() as { value: number } | undefined;
    this.compacted = compacted?.value ?? 0;
    const newest = Number((this.db.prepare('SELECT COALESCE(MAX(revision), 0) AS r FROM log').get() as { r: number }).r);
    this.revision = Math.max(newest, this.compacted);
  }

  async currentRevision(): Promise<number> {
    this.assertOpen();
    return this.revision;
  }

  async compactedRevision(): Promise<number> {
    this.assertOpen();
    return this.compacted;
  }

  private checkRevision(revision: number): void {
    if (revision < this.compacted) {
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
    if (this.closed) return Promise.reject(closedError());
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
    if (batch.length === 0) return;
    const startRevision = this.revision;
    const outcomes: Outcome[] = [];
    try {
      this.db.exec('BEGIN IMMEDIATE');
      for (const { op } of batch) outcomes.push(this.apply(op));
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
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

  private apply(op: Operation): Outcome {
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
      const matching = events.filter((e) => e.kv.modRevision > watcher.after && e.kv.key.startsWith(watcher.prefix));
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
      const rows = this.stmt.history.all(from, this.revision, prefix, prefixEnd(prefix), HISTORY_PAGE) as unknown as Row[];
      for (const row of rows) {
        const prevRow = row.prev_revision ? this.stmt.byRevision.get(row.prev_revision) as Row | undefined : undefined;
        const prev = prevRow ? toKeyValue(prevRow) : undefined;
        events.push({ type: row.deleted ? 'delete' : 'put', kv: toKeyValue(row), prev });
      }
      if (rows.length < HISTORY_PAGE) return events;
      from = rows[rows.length - 1].revision;
    }
  }

  watch(prefix: string, afterRevision: number, handlers: WatchHandlers): Watch {
    const watcher: Watcher = { prefix, after: afterRevision, handlers, queue: [], scheduled: false, closed: false };
    const close = async () => {
      watcher.closed = true;
      this.watchers.delete(watcher);
    };
    const failWith = (error: StoreError): Watch => {
      watcher.closed = true;
      queueMicrotask(() => handlers.onError(error));
      return { close };
    };
    if (this.closed) return failWith(closedError());
    // The first event this watch needs is afterRevision + 1; compaction keeps the compacted revision itself.
    if (afterRevision + 1 < this.compacted) {
      return failWith(new StoreError('Compacted', `revision ${afterRevision + 1} has been compacted; the oldest available is ${this.compacted}`, this.compacted));
    }
    const replay = afterRevision < this.revision ? this.history(prefix, afterRevision) : [];
    this.watchers.add(watcher);
    if (replay.length > 0) this.deliver(watcher, replay);
    return { close };
  }

  compact(revision: number): Promise<void> {
    // One compaction at a time; each waits for the one before it.
    const run = this.compaction.then(() => this.compactTo(revision));
    this.compaction = run.catch(() => {});
    return run;
  }

  private async compactTo(revision: number): Promise<void> {
    const target = Math.min(revision, this.revision);
    while (!this.closed && this.compacted < target) {
      this.compactStep(Math.min(target, this.compacted + COMPACTION_STEP));
      // Let queued writes and reads run between steps.
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.assertOpen();
  }

  /** Drops what no read at `target` or later can see, given everything before `this.compacted` already went. */
  private compactStep(target: number): void {
    try {
      this.db.exec('BEGIN IMMEDIATE');
      this.stmt.dropSuperseded.run(this.compacted, target);
      this.stmt.dropTombstones.run(this.compacted, target);
      this.stmt.setMeta.run('compacted', target);
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw new StoreError('Unavailable', `sqlite compaction failed: ${(error as Error).message}`);
    }
    this.compacted = target;
  }

  private assertOpen(): void {
    if (this.closed) throw closedError();
  }

  /** Commits writes already queued, ends open watches with Unavailable, and closes the database. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    const watchers = [...this.watchers];
    this.watchers.clear();
    for (const watcher of watchers) {
      watcher.closed = true;
      queueMicrotask(() => watcher.handlers.onError(closedError()));
    }
    this.db.close();
  }
}

export async function openSqliteStore(file: string, options: SqliteStoreOptions = {}): Promise<Store> {
  return new SqliteStore(file, options);
}
