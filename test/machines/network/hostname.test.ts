import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostnameProblem, validateHostname } from '../../../src/machines/network/hostname.ts';

test('hostnames are RFC 1123 names: labels of at most 63 characters, 64 in all', () => {
  for (const good of ['a', 'web-0', '0web', 'Web', 'web.example', 'x'.repeat(63), `${'x'.repeat(31)}.${'y'.repeat(32)}`]) assert.doesNotThrow(() => validateHostname(good), good);
  for (const bad of ['', '-web', 'web-', 'web_0', 'web..example', '.web', 'x'.repeat(64), `${'x'.repeat(32)}.${'y'.repeat(32)}`, 'wéb', 'web\n10.0.0.1 evil', 'a b']) {
    assert.throws(() => validateHostname(bad), /^Error: hostname (.* is not a valid host name|is missing)/, bad);
  }
  assert.equal(hostnameProblem('under_score', 'hosts entry name'), `hosts entry name "under_score" is not a valid host name: use letters, digits and '-' in dot-separated labels of at most 63 characters, 64 in all`);
});
