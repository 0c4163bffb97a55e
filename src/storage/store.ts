// The one storage contract every backend implements, with etcd's semantics: a single global
// revision counter, bumped by every write, that doubles as each object's resourceVersion.

/** One stored key at one revision. */
export interface KeyValue {
  key: string;
  /** The object, serialised as JSON text. */
  value: string;
  /** Revision of the write that created this key (stays the same across updates). */
  createRevision: number;
  /** Revision of the last write to this key; the object's resourceVersion. */
  modRevision: number;
}

export interface ListOptions {
  /** Read as of this revision (0 or absent: the current one). Older than the compacted revision → Compacted. */
  revision?: number;
  /** At most this many items; `more` tells if there are others. */
  limit?: number;
  /** Start strictly after this key (used for continue tokens). */
  after?: string;
}

export interface ListResult {
  items: KeyValue[];
  /** The revision the list was read at; pass it back to continue consistently. */
  revision: number;
  /** Whether more keys under the prefix follow the last item. */
  more: boolean;
}

export type WatchEvent =
  | { type: 'put'; kv: KeyValue; prev?: KeyValue }
  | { type: 'delete'; kv: KeyValue; prev?: KeyValue };

export interface Watch {
  /** Stops the watch; no event is delivered after it resolves. */
  close(): Promise<void>;
}

export interface WatchHandlers {
  /** Events in revision order; a batch may hold several events of one or more revisions. */
  onEvents(events: WatchEvent[]): void;
  /** The watch cannot go on (history compacted, backend gone); it is closed. */
  onError(error: StoreError): void;
}

export type StoreErrorCode = 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Compacted' | 'Unavailable';

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  /** For Compacted: the oldest revision still readable. For Conflict: the key's current modRevision. */
  readonly revision?: number;
  constructor(code: StoreErrorCode, message: string, revision?: number) {
    super(message);
    this.name = 'StoreError';
    this.code = code;
    this.revision = revision;
  }
}

export interface Store {
  /** The latest revision (the revision of the last write). */
  currentRevision(): Promise<number>;
  /** The oldest revision still readable; earlier ones were compacted. */
  compactedRevision(): Promise<number>;
  get(key: string, revision?: number): Promise<KeyValue | undefined>;
  /** Keys that start with `prefix`, in key order. */
  list(prefix: string, options?: ListOptions): Promise<ListResult>;
  /** Fails with AlreadyExists if the key exists. */
  create(key: string, value: string): Promise<KeyValue>;
  /** Compare-and-swap: fails with Conflict unless the key's modRevision is `expectedRevision`; NotFound if absent. */
  update(key: string, value: string, expectedRevision: number): Promise<KeyValue>;
  /** Deletes the key (compare-and-swap when `expectedRevision` is given). Returns the deleted value; its modRevision is the deletion revision. */
  delete(key: string, expectedRevision?: number): Promise<KeyValue>;
  /** Events for keys under `prefix` with revision > `afterRevision`: history replayed, then live. */
  watch(prefix: string, afterRevision: number, handlers: WatchHandlers): Watch;
  /** Forget history before `revision`; reads and watches from older revisions fail with Compacted. */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}
