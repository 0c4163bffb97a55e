// Linux network interface names: the kernel allows at most 15 bytes (IFNAMSIZ 16 with the NUL) and
// rejects "/", ":" and whitespace; Slipway also keeps them to plain characters and forbids a leading
// "-" so a name can never read as an option to `ip`.

export const MAX_INTERFACE_NAME_LENGTH = 15;
const INTERFACE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Throws unless `name` is a valid, safe interface name. */
export function validateInterfaceName(name: string, what = 'interface name'): void {
  if (name.length === 0 || name.length > MAX_INTERFACE_NAME_LENGTH) {
    throw new Error(`invalid ${what} ${JSON.stringify(name)}: must be 1 to ${MAX_INTERFACE_NAME_LENGTH} characters (the kernel's IFNAMSIZ limit)`);
  }
  if (!INTERFACE_NAME.test(name)) {
    throw new Error(`invalid ${what} ${JSON.stringify(name)}: use letters, digits, "_", "." and "-", starting with a letter or digit`);
  }
}
