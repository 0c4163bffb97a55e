// Picks the response form from the Accept header the way kube-apiserver does: plain JSON or YAML,
// a meta.k8s.io Table (kubectl get), PartialObjectMetadata (metadata-only clients) or, for /api and
// /apis, aggregated discovery. Protobuf is not offered; clients listing JSON as well fall back to it.
import { notAcceptable } from './status-errors.ts';

export type ResponseForm =
  | { kind: 'json' }
  | { kind: 'yaml' }
  | { kind: 'table' }
  | { kind: 'partial-metadata' }
  | { kind: 'aggregated-discovery'; version: 'v2' | 'v2beta1' };

export interface Offer {
  table?: boolean;
  partialMetadata?: boolean;
  aggregatedDiscovery?: boolean;
}

interface MediaRange {
  type: string;
  params: Record<string, string>;
  q: number;
}

const cache = new Map<string, MediaRange[]>();

function parseAccept(header: string): MediaRange[] {
  let ranges = cache.get(header);
  if (ranges) return ranges;
  ranges = header.split(',').map((part) => {
    const [type, ...rest] = part.split(';').map((s) => s.trim());
    const params: Record<string, string> = {};
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq > 0) params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim();
    }
    const q = params.q === undefined ? 1 : Number(params.q);
    return { type: type.toLowerCase(), params, q: Number.isFinite(q) ? q : 0 };
  }).filter((r) => r.type !== '' && r.q > 0);
  ranges.sort((a, b) => b.q - a.q);
  if (cache.size < 256) cache.set(header, ranges);
  return ranges;
}

function formFor(range: MediaRange, offer: Offer): ResponseForm | undefined {
  const { type, params } = range;
  const isJson = type === 'application/json' || type === '*/*' || type === 'application/*';
  if (params.as !== undefined) {
    if (!isJson && type !== 'application/json') return undefined;
    if (params.as === 'Table' && params.g === 'meta.k8s.io' && offer.table) return { kind: 'table' };
    if ((params.as === 'PartialObjectMetadata' || params.as === 'PartialObjectMetadataList') && params.g === 'meta.k8s.io' && offer.partialMetadata) return { kind: 'partial-metadata' };
    if (params.as === 'APIGroupDiscoveryList' && params.g === 'apidiscovery.k8s.io' && offer.aggregatedDiscovery && (params.v === 'v2' || params.v === 'v2beta1')) {
      return { kind: 'aggregated-discovery', version: params.v };
    }
    return undefined;
  }
  if (isJson) return { kind: 'json' };
  if (type === 'application/yaml') return { kind: 'yaml' };
  return undefined;
}

/** The form to answer in; a 406 Status if nothing acceptable is offered. */
export function negotiate(accept: string | undefined, offer: Offer = {}): ResponseForm {
  if (!accept || accept.trim() === '') return { kind: 'json' };
  for (const range of parseAccept(accept)) {
    const form = formFor(range, offer);
    if (form) return form;
  }
  throw notAcceptable(accept);
}
