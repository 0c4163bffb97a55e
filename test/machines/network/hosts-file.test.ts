import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostsFile } from '../../../src/machines/network/hosts-file.ts';
import { validateHostname } from '../../../src/machines/network/hostname.ts';

test('the hosts file maps localhost and the machine name to its address, then extra entries', () => {
  const text = hostsFile({
    hostname: 'web-0',
    address: '10.215.1.2',
    extraEntries: [{ address: '10.215.1.3', names: ['web-1', 'web-1.cluster.local'] }, { address: 'fd00::3', names: ['v6-peer'] }],
  });
  assert.equal(text, [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
    '10.215.1.2\tweb-0',
    '10.215.1.3\tweb-1 web-1.cluster.local',
    'fd00::3\tv6-peer',
    '',
  ].join('\n'));
});

test('nothing but valid names and addresses reaches the hosts file', () => {
  assert.throws(() => hostsFile({ hostname: 'Web', address: '10.215.1.2' }), /invalid hostname "Web": a lowercase RFC 1123 label/);
  assert.throws(() => hostsFile({ hostname: 'web\n10.0.0.1 evil', address: '10.215.1.2' }), /invalid hostname/);
  assert.throws(() => hostsFile({ hostname: 'web', address: '10.215.1.2 evil' }), /invalid IPv4 machine address/);
  assert.throws(() => hostsFile({ hostname: 'web', address: '10.215.1.2', extraEntries: [{ address: 'nope', names: ['a'] }] }), /invalid hosts entry address "nope"/);
  assert.throws(() => hostsFile({ hostname: 'web', address: '10.215.1.2', extraEntries: [{ address: '10.0.0.1', names: [] }] }), /give at least one name/);
  assert.throws(() => hostsFile({ hostname: 'web', address: '10.215.1.2', extraEntries: [{ address: '10.0.0.1', names: ['a b'] }] }), /invalid hosts entry name "a b"/);
});

test('hostnames are lowercase RFC 1123 labels of at most 63 characters', () => {
  for (const good of ['a', 'web-0', '0web', 'x'.repeat(63)]) assert.doesNotThrow(() => validateHostname(good), good);
  for (const bad of ['', '-web', 'web-', 'web.example', 'web_0', 'WEB', 'x'.repeat(64), 'wéb']) {
    assert.throws(() => validateHostname(bad), /^Error: invalid hostname/, bad);
  }
  assert.throws(() => validateHostname('x'.repeat(64)), /must be no more than 63 characters/);
});
