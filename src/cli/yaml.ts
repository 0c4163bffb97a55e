// The YAML library, loaded when first used: most commands (run, ps, ssh…) never print or read YAML,
// and loading it at start-up cost every command ~30 ms. Synchronous, so the printers and manifest
// parsers stay synchronous; `require` gives the same module an `import` of it would.
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

let loaded: typeof Yaml | undefined;

export function yaml(): typeof Yaml {
  loaded ??= createRequire(import.meta.url)('yaml') as typeof Yaml;
  return loaded;
}
