import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPortMapping, parsePortMapping, parsePortMappings, portMappingsConflict, validatePortMapping } from '../../../src/machines/network/port-mapping.ts';

test("Ignite's --ports forms parse, defaulting to loopback and tcp; udp when asked", () => {
  assert.deepEqual(parsePortMapping('8080:80'), { bindAddress: '127.0.0.1', hostPort: 8080, machinePort: 80, protocol: 'tcp' });
  assert.deepEqual(parsePortMapping('8080:80/tcp'), { bindAddress: '127.0.0.1', hostPort: 8080, machinePort: 80, protocol: 'tcp' });
  assert.deepEqual(parsePortMapping('2222:22/TCP'), { bindAddress: '127.0.0.1', hostPort: 2222, machinePort: 22, protocol: 'tcp' });
  assert.deepEqual(parsePortMapping('0.0.0.0:443:8443'), { bindAddress: '0.0.0.0', hostPort: 443, machinePort: 8443, protocol: 'tcp' });
  assert.deepEqual(parsePortMapping('192.0.2.2:65535:1/tcp'), { bindAddress: '192.0.2.2', hostPort: 65535, machinePort: 1, protocol: 'tcp' });
  assert.deepEqual(parsePortMapping('5353:53/udp'), { bindAddress: '127.0.0.1', hostPort: 5353, machinePort: 53, protocol: 'udp' });
  assert.deepEqual(parsePortMapping('0.0.0.0:514:514/UDP'), { bindAddress: '0.0.0.0', hostPort: 514, machinePort: 514, protocol: 'udp' });
  assert.equal(formatPortMapping(parsePortMapping('8080:80')), '127.0.0.1:8080->80/tcp');
  assert.equal(formatPortMapping(parsePortMapping('5353:53/udp')), '127.0.0.1:5353->53/udp');
});

test('bad --ports values name what is wrong', () => {
  const cases: [string, RegExp][] = [
    ['8080:80/sctp', /invalid port mapping "8080:80\/sctp": unknown protocol "sctp"; use tcp or udp/],
    ['8080:80/', /unknown protocol ""/],
    ['8080:80/tcp/x', /expected \[ADDRESS:\]HOST_PORT:MACHINE_PORT\[\/tcp\|\/udp\]/],
    ['8080', /expected \[ADDRESS:\]HOST_PORT:MACHINE_PORT/],
    ['1.2.3.4:1:2:3', /expected \[ADDRESS:\]HOST_PORT:MACHINE_PORT/],
    ['', /expected \[ADDRESS:\]HOST_PORT:MACHINE_PORT/],
    ['0:80', /host port "0" must be a number from 1 to 65535/],
    ['65536:80', /host port "65536" must be a number from 1 to 65535/],
    ['8080:0', /machine port "0" must be a number from 1 to 65535/],
    ['http:80', /host port "http" must be a number/],
    ['8080:-1', /machine port "-1" must be a number/],
    ['8080:8e1', /machine port "8e1" must be a number/],
    [' 8080:80', /host port " 8080" must be a number/],
    ['localhost:8080:80', /host address "localhost" must be an IPv4 address/],
    ['[::1]:8080:80', /expected \[ADDRESS:\]HOST_PORT:MACHINE_PORT/],
    ['300.0.0.1:8080:80', /host address "300\.0\.0\.1" must be an IPv4 address/],
  ];
  for (const [spec, message] of cases) assert.throws(() => parsePortMapping(spec), message, spec);
});

test('two mappings may not listen on the same host port', () => {
  assert.deepEqual(parsePortMappings(['8080:80', '8081:80', '127.0.0.2:8080:81']).map(formatPortMapping),
    ['127.0.0.1:8080->80/tcp', '127.0.0.1:8081->80/tcp', '127.0.0.2:8080->81/tcp']);
  assert.throws(() => parsePortMappings(['8080:80', '8080:81']), /port mappings "127\.0\.0\.1:8080->80\/tcp" and "8080:81" both use host port 8080/);
  assert.throws(() => parsePortMappings(['8080:80', '0.0.0.0:8080:81']), /both use host port 8080/);
  assert.equal(portMappingsConflict(parsePortMapping('0.0.0.0:1:1'), parsePortMapping('127.0.0.5:1:2')), true);
  assert.equal(portMappingsConflict(parsePortMapping('127.0.0.1:1:1'), parsePortMapping('127.0.0.5:1:1')), false);
  // TCP and UDP ports are separate: the same number of each may be forwarded, even to different machines.
  assert.equal(portMappingsConflict(parsePortMapping('0.0.0.0:53:53/udp'), parsePortMapping('0.0.0.0:53:53/tcp')), false);
  assert.deepEqual(parsePortMappings(['53:53/udp', '53:53']).map(formatPortMapping), ['127.0.0.1:53->53/udp', '127.0.0.1:53->53/tcp']);
  assert.throws(() => parsePortMappings(['53:53/udp', '0.0.0.0:53:54/udp']), /both use host port 53/);
});

test('mappings from API objects are validated field by field', () => {
  assert.doesNotThrow(() => validatePortMapping({ bindAddress: '0.0.0.0', hostPort: 1, machinePort: 65535, protocol: 'tcp' }));
  assert.throws(() => validatePortMapping({ bindAddress: 'x', hostPort: 1, machinePort: 1, protocol: 'tcp' }), /host address must be an IPv4 address/);
  assert.throws(() => validatePortMapping({ bindAddress: '127.0.0.1', hostPort: 1.5, machinePort: 1, protocol: 'tcp' }), /host port must be a number from 1 to 65535/);
  assert.throws(() => validatePortMapping({ bindAddress: '127.0.0.1', hostPort: 1, machinePort: 70000, protocol: 'tcp' }), /machine port must be a number/);
  assert.doesNotThrow(() => validatePortMapping({ bindAddress: '127.0.0.1', hostPort: 1, machinePort: 1, protocol: 'udp' }));
  assert.throws(() => validatePortMapping({ bindAddress: '127.0.0.1', hostPort: 1, machinePort: 1, protocol: 'sctp' as 'tcp' }), /the protocol must be tcp or udp/);
});
