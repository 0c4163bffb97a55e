// Kubernetes resource quantities (resource.Quantity): "2", "500m", "1.5", "512Mi", "1G", "1e3", or a
// plain number, as API objects write CPU, memory and disk sizes. Read into a JavaScript number,
// exact for every byte count a machine can have (below 2^53).

const QUANTITY = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))?$/;

const multipliers: Record<string, number> = {
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
};

/** The value of a quantity; throws naming the expected form when `value` is not one. */
export function parseQuantity(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`quantity ${value} is not a finite number`);
    return value;
  }
  const match = QUANTITY.exec(value);
  if (!match) throw new Error(`${JSON.stringify(value)} is not a quantity: write a number with an optional suffix, e.g. 2, 500m, 512Mi or 4Gi`);
  const [, number, suffix = ''] = match;
  if (/^[eE]/.test(suffix)) return Number(`${number}${suffix}`);
  return Number(number) * multipliers[suffix];
}

/** A byte count from a quantity, rounded up to whole bytes (as Kubernetes rounds memory). */
export function parseByteQuantity(value: string | number): number {
  return Math.ceil(parseQuantity(value));
}
