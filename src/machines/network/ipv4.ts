// IPv4 addresses as unsigned 32-bit integers, so subnet arithmetic is plain integer arithmetic.
// Parsing is strict (four decimal octets, no leading zeros) because these strings reach `ip`
// commands and persisted API objects, where "010.1.1.1" or "10.1" would mean something else.

const OCTET = /^(0|[1-9][0-9]{0,2})$/;

/** The address as an unsigned 32-bit integer, or undefined when `text` is not a dotted-quad IPv4 address. */
export function tryParseIPv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!OCTET.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

/** The address as an unsigned 32-bit integer; throws on anything but a dotted-quad IPv4 address. */
export function parseIPv4(text: string, what = 'address'): number {
  const value = tryParseIPv4(text);
  if (value === undefined) {
    throw new Error(`invalid IPv4 ${what} ${JSON.stringify(text)}: expected four decimal octets like 10.215.0.2`);
  }
  return value;
}

export function formatIPv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}
