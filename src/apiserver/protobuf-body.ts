// Kubernetes protobuf request bodies for the built-in kinds kubectl's typed clients send that way
// (`kubectl create namespace|configmap|secret` POST application/vnd.kubernetes.protobuf and do
// not fall back to JSON). Responses are always JSON, which those clients also accept. The wire
// format: the magic "k8s\0", then a runtime.Unknown {typeMeta, raw} whose raw bytes are the
// object's message (field numbers from k8s.io/api's generated.proto).
import type { ResourceType } from '../api/resource.ts';
import { badRequest, unsupportedMediaType } from './status-errors.ts';

type FieldKind = 'string' | 'bytes' | 'int64' | 'bool' | 'time' | 'stringMap' | 'bytesMap' | 'strings' | 'message' | 'messages';

interface Field {
  name: string;
  kind: FieldKind;
  message?: Message;
}

type Message = Record<number, Field>;

const ownerReference: Message = {
  1: { name: 'kind', kind: 'string' },
  3: { name: 'name', kind: 'string' },
  4: { name: 'uid', kind: 'string' },
  5: { name: 'apiVersion', kind: 'string' },
  6: { name: 'controller', kind: 'bool' },
  7: { name: 'blockOwnerDeletion', kind: 'bool' },
};

const objectMeta: Message = {
  1: { name: 'name', kind: 'string' },
  2: { name: 'generateName', kind: 'string' },
  3: { name: 'namespace', kind: 'string' },
  5: { name: 'uid', kind: 'string' },
  6: { name: 'resourceVersion', kind: 'string' },
  7: { name: 'generation', kind: 'int64' },
  8: { name: 'creationTimestamp', kind: 'time' },
  9: { name: 'deletionTimestamp', kind: 'time' },
  10: { name: 'deletionGracePeriodSeconds', kind: 'int64' },
  11: { name: 'labels', kind: 'stringMap' },
  12: { name: 'annotations', kind: 'stringMap' },
  13: { name: 'ownerReferences', kind: 'messages', message: ownerReference },
  14: { name: 'finalizers', kind: 'strings' },
};

const messages: Record<string, Message> = {
  ConfigMap: {
    1: { name: 'metadata', kind: 'message', message: objectMeta },
    2: { name: 'data', kind: 'stringMap' },
    3: { name: 'binaryData', kind: 'bytesMap' },
    4: { name: 'immutable', kind: 'bool' },
  },
  Secret: {
    1: { name: 'metadata', kind: 'message', message: objectMeta },
    2: { name: 'data', kind: 'bytesMap' },
    3: { name: 'type', kind: 'string' },
    4: { name: 'stringData', kind: 'stringMap' },
    5: { name: 'immutable', kind: 'bool' },
  },
  Namespace: {
    1: { name: 'metadata', kind: 'message', message: objectMeta },
    2: { name: 'spec', kind: 'message', message: { 1: { name: 'finalizers', kind: 'strings' } } },
  },
};

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

class Reader {
  private readonly buf: Buffer;
  pos: number;
  readonly end: number;
  constructor(buf: Buffer, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }
  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.end) throw new Error('truncated varint');
      const byte = this.buf[this.pos++];
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
    }
    throw new Error('varint too long');
  }
  bytes(): Buffer {
    const length = Number(this.varint());
    if (this.pos + length > this.end) throw new Error('truncated field');
    const out = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }
  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) this.bytes();
    else if (wireType === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wireType}`);
  }
  *fields(): Generator<{ field: number; wireType: number }> {
    while (this.pos < this.end) {
      const tag = Number(this.varint());
      yield { field: tag >>> 3, wireType: tag & 7 };
    }
  }
}

function mapEntry(data: Buffer): [string, Buffer] {
  const r = new Reader(data);
  let key = '';
  let value: Buffer = Buffer.alloc(0);
  for (const { field, wireType } of r.fields()) {
    if (field === 1 && wireType === 2) key = r.bytes().toString('utf8');
    else if (field === 2 && wireType === 2) value = r.bytes();
    else r.skip(wireType);
  }
  return [key, value];
}

function time(data: Buffer): string | undefined {
  const r = new Reader(data);
  let seconds = 0n;
  for (const { field, wireType } of r.fields()) {
    if (field === 1 && wireType === 0) seconds = r.varint();
    else r.skip(wireType);
  }
  return seconds === 0n ? undefined : new Date(Number(seconds) * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
}

function decodeMessage(data: Buffer, message: Message): Record<string, unknown> {
  const r = new Reader(data);
  const out: Record<string, unknown> = {};
  for (const { field, wireType } of r.fields()) {
    const spec = message[field];
    if (!spec) { r.skip(wireType); continue; }
    if (spec.kind === 'int64' || spec.kind === 'bool') {
      if (wireType !== 0) throw new Error(`field ${spec.name} has wire type ${wireType}`);
      const v = r.varint();
      out[spec.name] = spec.kind === 'bool' ? v !== 0n : Number(BigInt.asIntN(64, v));
      continue;
    }
    if (wireType !== 2) throw new Error(`field ${spec.name} has wire type ${wireType}`);
    const bytes = r.bytes();
    switch (spec.kind) {
      // Go serialises unset strings and times as empty values: treat them as absent.
      case 'string': if (bytes.length > 0) out[spec.name] = bytes.toString('utf8'); break;
      case 'bytes': out[spec.name] = bytes.toString('base64'); break;
      case 'time': { const t = time(bytes); if (t !== undefined) out[spec.name] = t; break; }
      case 'strings': ((out[spec.name] ??= []) as string[]).push(bytes.toString('utf8')); break;
      case 'stringMap': case 'bytesMap': {
        const [k, v] = mapEntry(bytes);
        (out[spec.name] ??= {} as Record<string, string>);
        (out[spec.name] as Record<string, string>)[k] = spec.kind === 'stringMap' ? v.toString('utf8') : v.toString('base64');
        break;
      }
      case 'message': out[spec.name] = decodeMessage(bytes, spec.message!); break;
      case 'messages': ((out[spec.name] ??= []) as unknown[]).push(decodeMessage(bytes, spec.message!)); break;
    }
  }
  return out;
}

export const protobufMediaType = 'application/vnd.kubernetes.protobuf';

/** Decodes a protobuf body of a built-in kind into its JSON form; 415 for kinds without a decoder here. */
export function decodeProtobufObject(body: Buffer, type: ResourceType): Record<string, unknown> {
  const message = type.builtin && type.group === '' ? messages[type.kind] : undefined;
  if (!message) throw unsupportedMediaType(protobufMediaType, ['application/json', 'application/yaml']);
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC)) throw badRequest('error decoding the protobuf body: missing the "k8s\\0" prefix');
  try {
    const unknown = decodeMessage(body.subarray(MAGIC.length), {
      1: { name: 'typeMeta', kind: 'message', message: { 1: { name: 'apiVersion', kind: 'string' }, 2: { name: 'kind', kind: 'string' } } },
      2: { name: 'raw', kind: 'bytes' },
    });
    const typeMeta = (unknown.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
    const raw = Buffer.from(String(unknown.raw ?? ''), 'base64');
    return { ...(typeMeta.apiVersion ? { apiVersion: typeMeta.apiVersion } : {}), ...(typeMeta.kind ? { kind: typeMeta.kind } : {}), ...decodeMessage(raw, message) };
  } catch (error) {
    throw badRequest(`error decoding the protobuf body: ${(error as Error).message}`);
  }
}
