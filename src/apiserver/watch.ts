// ?watch=1: a stream of JSON lines {type, object}. resourceVersion "" or "0" starts with ADDED
// events for the current state; N resumes after revision N (410 when that history is gone).
// Selectors apply to each event (an object leaving the selection is DELETED, entering it ADDED),
// bookmarks report progress, sendInitialEvents ends its initial state with an annotated bookmark,
// and kubectl's `get -w` gets each object as a one-row Table.
import type { KubeObject } from '../api/meta.ts';
import { apiVersionOf } from '../api/meta.ts';
import type { ResourceType } from '../api/resource.ts';
import type { ResourceScope } from './handlers/request-scope.ts';
import { listKeys, parseRevision, parseSelectors, selectorsMatch, type Selectors } from './handlers/read.ts';
import { collectionPrefix, decodeObject } from './object-store.ts';
import { badRequest, expired } from './status-errors.ts';
import { parseIncludeObject, table, type IncludeObject } from './table.ts';
import type { HubEvent, Subscription } from './watch-hub.ts';

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
const MIN_TIMEOUT_SECONDS = 1800;

function decoded(event: HubEvent, type: ResourceType, which: 'kv' | 'prev'): KubeObject | undefined {
  const kv = which === 'kv' ? event.kv : event.prev;
  if (!kv || kv.value === '') return undefined;
  const key = `${which}:${type.version}`;
  event.memo ??= new Map();
  let obj = event.memo.get(key) as KubeObject | undefined;
  if (!obj) {
    obj = decodeObject(kv, type);
    event.memo.set(key, obj);
  }
  return obj;
}

/** The watch event a watcher with these selectors sees for a store event, if any. */
function classify(event: HubEvent, type: ResourceType, selectors: Selectors): { type: EventType; object: KubeObject } | undefined {
  const obj = decoded(event, type, 'kv');
  if (!obj) return undefined;
  const filtering = selectors.labels !== undefined || selectors.fields !== undefined;
  if (event.type === 'delete') return !filtering || selectorsMatch(selectors, obj) ? { type: 'DELETED', object: obj } : undefined;
  const created = event.kv.createRevision === event.kv.modRevision;
  if (!filtering) return { type: created ? 'ADDED' : 'MODIFIED', object: obj };
  const matchesNow = selectorsMatch(selectors, obj);
  const prev = created ? undefined : decoded(event, type, 'prev');
  const matchedBefore = prev !== undefined ? selectorsMatch(selectors, prev) : !created && matchesNow;
  if (matchesNow) return { type: matchedBefore ? 'MODIFIED' : 'ADDED', object: obj };
  return matchedBefore ? { type: 'DELETED', object: obj } : undefined;
}

export async function watchHandler(scope: ResourceScope): Promise<void> {
  const { ctx, type, query, req, res } = scope;
  const selectors = parseSelectors(scope);
  const requested = parseRevision(query.get('resourceVersion'));
  const timeoutParam = query.get('timeoutSeconds');
  if (timeoutParam !== null && timeoutParam !== '' && !/^\d+$/.test(timeoutParam)) throw badRequest(`timeoutSeconds must be a non-negative integer, got ${JSON.stringify(timeoutParam)}`);
  const timeoutSeconds = timeoutParam ? Number(timeoutParam) : MIN_TIMEOUT_SECONDS * (1 + Math.random());
  const bookmarks = query.get('allowWatchBookmarks') === 'true' || query.get('allowWatchBookmarks') === '1';
  const sendInitialEvents = query.get('sendInitialEvents');
  if (sendInitialEvents !== null && sendInitialEvents !== 'true' && sendInitialEvents !== 'false') throw badRequest('sendInitialEvents must be true or false');
  const match = query.get('resourceVersionMatch');
  if (sendInitialEvents !== null && match !== 'NotOlderThan') throw badRequest('sendInitialEvents is forbidden unless resourceVersionMatch is "NotOlderThan"');
  if (sendInitialEvents === null && match !== null && match !== '') throw badRequest('resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided');
  if (sendInitialEvents === 'true' && !bookmarks) throw badRequest('sendInitialEvents requires allowWatchBookmarks=true');
  const include: IncludeObject = scope.form.kind === 'table' ? parseIncludeObject(query) : 'Object';

  const initialState = sendInitialEvents === 'true' || (sendInitialEvents === null && (requested === undefined || requested === 0));
  let startRevision: number;
  let initial: KubeObject[] = [];
  if (initialState) {
    // The initial state at a consistent revision, then everything after it.
    const params = new URLSearchParams(query);
    params.delete('resourceVersion');
    params.delete('limit');
    params.delete('continue');
    params.delete('resourceVersionMatch');
    const listed = await listKeys({ ...scope, query: params }, selectors);
    startRevision = listed.revision;
    initial = listed.items.map((kv) => decodeObject(kv, type));
  } else if (requested === undefined || requested === 0) {
    // sendInitialEvents=false: from now on, without the current state.
    startRevision = ctx.hub.revision;
  } else {
    startRevision = requested;
    const compacted = await ctx.store.compactedRevision();
    // Events after N start at N+1, which must not have been compacted away.
    if (startRevision + 1 < compacted) throw expired(`too old resource version: ${startRevision} (${compacted})`);
  }

  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private', 'transfer-encoding': 'chunked' });
  res.flushHeaders();
  const resourceLabel = type.plural;
  ctx.metrics.watchers.inc({ resource: resourceLabel });
  let sentRevision = startRevision;
  let columnsSent = false;
  let finished = false;
  let subscription: Subscription | undefined;
  let bookmarkTimer: NodeJS.Timeout | undefined;
  let timeoutTimer: NodeJS.Timeout | undefined;

  const write = (line: string) => {
    if (finished) return;
    res.write(line);
    // A watcher that cannot keep up is cut off (it will re-watch) rather than buffered without bound.
    if (res.writableLength > MAX_BUFFERED_BYTES) finish();
  };
  const objectLine = (eventType: EventType | 'BOOKMARK', obj: unknown): string => {
    if (scope.form.kind === 'table' && eventType !== 'BOOKMARK') {
      const rows = table(type, [obj as KubeObject], {}, include, !columnsSent);
      columnsSent = true;
      return `{"type":"${eventType}","object":${JSON.stringify(rows)}}\n`;
    }
    return `{"type":"${eventType}","object":${JSON.stringify(obj)}}\n`;
  };
  const bookmark = (revision: number, annotations?: Record<string, string>) => {
    sentRevision = revision;
    write(objectLine('BOOKMARK', { kind: type.kind, apiVersion: apiVersionOf(type.group, type.version), metadata: { resourceVersion: String(revision), ...(annotations ? { annotations } : {}) } }));
  };
  const finish = () => {
    if (finished) return;
    finished = true;
    subscription?.close();
    clearInterval(bookmarkTimer);
    clearTimeout(timeoutTimer);
    ctx.metrics.watchers.dec({ resource: resourceLabel });
    res.end();
  };

  for (const obj of initial) write(objectLine('ADDED', obj));
  if (sendInitialEvents === 'true') bookmark(startRevision, { 'k8s.io/initial-events-end': 'true' });

  subscription = ctx.hub.subscribe(collectionPrefix(type, scope.namespace), startRevision, {
    onEvents(events) {
      for (const event of events) {
        const seen = classify(event, type, selectors);
        if (!seen) continue;
        sentRevision = event.kv.modRevision;
        if (scope.form.kind === 'table') {
          write(objectLine(seen.type, seen.object));
          continue;
        }
        // Serialise each event once per version for all watchers that see it the same way.
        const key = `line:${seen.type}:${type.version}`;
        event.memo ??= new Map();
        let line = event.memo.get(key) as string | undefined;
        if (!line) {
          line = objectLine(seen.type, seen.object);
          event.memo.set(key, line);
        }
        write(line);
      }
    },
    onExpired(message) {
      write(`${JSON.stringify({ type: 'ERROR', object: expired(message).toStatus() })}\n`);
      finish();
    },
  });
  if (finished) subscription.close();

  if (finished) return;
  if (bookmarks) {
    bookmarkTimer = setInterval(() => {
      const progress = subscription!.progressRevision();
      if (progress > sentRevision) bookmark(progress);
    }, ctx.bookmarkIntervalMs);
  }
  timeoutTimer = setTimeout(finish, timeoutSeconds * 1000);
  req.on('close', finish);
  res.on('close', finish);
  res.on('error', finish);
}
