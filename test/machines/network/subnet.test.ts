import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIPv4, parseIPv4, tryParseIPv4 } from '../../../src/machines/network/ipv4.ts';
import { isInSubnet, networksOverlap, parseSubnet, validateMachineAddress } from '../../../src/machines/network/subnet.ts';
import { allocateAddress } from '../../../src/machines/network/ipam.ts';

test('IPv4 addresses parse strictly and format back', () => {
  assert.equal(parseIPv4('10.215.0.1'), 0x0ad70001);
  assert.equal(parseIPv4('255.255.255.255'), 0xffffffff);
  assert.equal(formatIPv4(0xffffffff), '255.255.255.255');
  assert.equal(formatIPv4(parseIPv4('0.0.0.0')), '0.0.0.0');
  for (const bad of ['', '10.1.1', '10.1.1.1.1', '256.1.1.1', '010.1.1.1', '10.1.1.-1', '1e1.1.1.1', ' 10.1.1.1', '10.1.1.1/24', '::1', '10..1.1']) {
    assert.equal(tryParseIPv4(bad), undefined, bad);
    assert.throws(() => parseIPv4(bad), /invalid IPv4 address/, bad);
  }
});

test('a /24 has its gateway first, 253 machine addresses and its broadcast last', () => {
  const subnet = parseSubnet('10.215.1.0/24');
  assert.deepEqual(subnet, {
    cidr: '10.215.1.0/24', network: '10.215.1.0', prefixLength: 24,
    gateway: '10.215.1.1', broadcast: '10.215.1.255', machineAddresses: 253,
  });
  assert.equal(allocateAddress(subnet, new Set()), '10.215.1.2');
  assert.equal(allocateAddress(subnet, new Set(['10.215.1.2', '10.215.1.3'])), '10.215.1.4');
  assert.equal(allocateAddress(subnet, new Set(['10.215.1.2', '10.215.1.4'])), '10.215.1.3', 'lowest free fills a gap');
  const allButLast = new Set(Array.from({ length: 252 }, (_, i) => `10.215.1.${i + 2}`));
  assert.equal(allocateAddress(subnet, allButLast), '10.215.1.254');
  allButLast.add('10.215.1.254');
  assert.throws(() => allocateAddress(subnet, allButLast), /^Error: subnet 10\.215\.1\.0\/24 has no free address: all 253 machine addresses are taken/);
});

test('a /30 holds exactly one machine', () => {
  const subnet = parseSubnet('10.215.0.4/30');
  assert.equal(subnet.gateway, '10.215.0.5');
  assert.equal(subnet.broadcast, '10.215.0.7');
  assert.equal(subnet.machineAddresses, 1);
  assert.equal(allocateAddress(subnet, new Set()), '10.215.0.6');
  assert.throws(() => allocateAddress(subnet, new Set(['10.215.0.6'])), /has no free address: all 1 machine addresses are taken/);
  assert.throws(() => parseSubnet('10.215.0.4/31'), /prefix length must be between \/8 and \/30/);
  assert.throws(() => parseSubnet('10.215.0.4/32'), /prefix length must be between/);
});

test('a /16 allocates across octet boundaries and up to its last host', () => {
  const subnet = parseSubnet('10.215.0.0/16');
  assert.equal(subnet.machineAddresses, 65533);
  assert.equal(subnet.broadcast, '10.215.255.255');
  const taken = new Set(Array.from({ length: 254 }, (_, i) => `10.215.0.${i + 2}`));
  assert.equal(allocateAddress(subnet, taken), '10.215.1.0', 'x.x.1.0 is an ordinary host address inside a /16');
  const full = new Set<string>();
  for (let a = 2; a < 65536 - 1; a++) full.add(formatIPv4(parseIPv4('10.215.0.0') + a));
  full.delete('10.215.255.254');
  assert.equal(allocateAddress(subnet, full), '10.215.255.254');
  full.add('10.215.255.254');
  assert.throws(() => allocateAddress(subnet, full), /no free address: all 65533 machine addresses are taken/);
});

test('taken addresses outside the subnet do not count; invalid ones are an error', () => {
  const subnet = parseSubnet('10.215.2.0/29');
  assert.equal(allocateAddress(subnet, new Set(['10.215.3.2', '192.168.0.2'])), '10.215.2.2');
  assert.throws(() => allocateAddress(subnet, new Set(['10.215.2.x'])), /invalid IPv4 taken address "10\.215\.2\.x"/);
});

test('a preferred address is honoured only when it is a free machine address', () => {
  const subnet = parseSubnet('10.215.2.0/24');
  assert.equal(allocateAddress(subnet, new Set(['10.215.2.2']), '10.215.2.200'), '10.215.2.200');
  assert.throws(() => allocateAddress(subnet, new Set(['10.215.2.9']), '10.215.2.9'), /address 10\.215\.2\.9 in subnet 10\.215\.2\.0\/24 is already taken/);
  assert.throws(() => allocateAddress(subnet, new Set(), '10.215.2.0'), /is the network address/);
  assert.throws(() => allocateAddress(subnet, new Set(), '10.215.2.1'), /is the gateway address of subnet 10\.215\.2\.0\/24; machines get addresses from 10\.215\.2\.2 on/);
  assert.throws(() => allocateAddress(subnet, new Set(), '10.215.2.255'), /is the broadcast address/);
  assert.throws(() => allocateAddress(subnet, new Set(), '10.215.3.2'), /address 10\.215\.3\.2 is not in subnet 10\.215\.2\.0\/24/);
  assert.throws(() => allocateAddress(subnet, new Set(), 'nope'), /invalid IPv4 machine address "nope"/);
});

test('bad subnets are rejected with the reason', () => {
  assert.throws(() => parseSubnet('10.215.1.5/24'), /host bits are set; did you mean 10\.215\.1\.0\/24\?/);
  assert.throws(() => parseSubnet('10.215.1.0'), /expected CIDR notation like 10\.215\.1\.0\/24/);
  assert.throws(() => parseSubnet('10.215.1.0/'), /expected CIDR notation/);
  assert.throws(() => parseSubnet('10.215.1.0/024'), /expected CIDR notation/);
  assert.throws(() => parseSubnet('10.215.1.0/24 '), /expected CIDR notation/);
  assert.throws(() => parseSubnet('10.215.300.0/24'), /invalid IPv4 network address in subnet/);
  assert.throws(() => parseSubnet('10.0.0.0/7'), /prefix length must be between/);
  assert.throws(() => parseSubnet('8.8.8.0/24'), /must lie in a private range \(10\.0\.0\.0\/8, 172\.16\.0\.0\/12, 192\.168\.0\.0\/16\)/);
  assert.throws(() => parseSubnet('172.32.0.0/16'), /must lie in a private range/);
  assert.throws(() => parseSubnet('172.0.0.0/11'), /must lie in a private range/, 'wider than the private range it covers');
  assert.equal(parseSubnet('172.31.255.0/24').gateway, '172.31.255.1');
  assert.equal(parseSubnet('192.168.0.0/16').gateway, '192.168.0.1');
  assert.equal(parseSubnet('10.0.0.0/8').machineAddresses, 2 ** 24 - 3);
});

test('membership and overlap', () => {
  const subnet = parseSubnet('10.215.4.0/22');
  assert.equal(isInSubnet(subnet, '10.215.4.0'), true);
  assert.equal(isInSubnet(subnet, '10.215.7.255'), true);
  assert.equal(isInSubnet(subnet, '10.215.8.0'), false);
  assert.equal(isInSubnet(subnet, '10.215.3.255'), false);
  assert.equal(isInSubnet(subnet, 'garbage'), false);
  assert.doesNotThrow(() => validateMachineAddress(subnet, '10.215.5.0'));
  assert.equal(networksOverlap({ address: '10.215.4.0', prefixLength: 22 }, { address: '10.215.6.9', prefixLength: 24 }), true);
  assert.equal(networksOverlap({ address: '10.215.4.0', prefixLength: 22 }, { address: '10.0.0.1', prefixLength: 8 }), true);
  assert.equal(networksOverlap({ address: '10.215.4.0', prefixLength: 22 }, { address: '10.215.8.1', prefixLength: 24 }), false);
});
