import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeReference, parseReference } from '../../../src/machines/images/index.ts';

const digest = `sha256:${'ab'.repeat(32)}`;

test('references get Docker\'s defaults: docker.io, library/, :latest', () => {
  const cases: [string, string][] = [
    ['debian', 'docker.io/library/debian:latest'],
    ['debian:bookworm', 'docker.io/library/debian:bookworm'],
    ['team/app:1.0', 'docker.io/team/app:1.0'],
    ['index.docker.io/library/debian', 'docker.io/library/debian:latest'],
    ['docker.io/debian', 'docker.io/library/debian:latest'],
    ['localhost/app', 'localhost/app:latest'],
    ['localhost:5000/a/b/c:v_1.2-rc', 'localhost:5000/a/b/c:v_1.2-rc'],
    ['127.0.0.1:5000/test/img:1', '127.0.0.1:5000/test/img:1'],
    ['[::1]:5000/test/img', '[::1]:5000/test/img:latest'],
    ['ghcr.io/org/my__app.x-y:TAG', 'ghcr.io/org/my__app.x-y:TAG'],
    [`debian@${digest}`, `docker.io/library/debian@${digest}`],
    [`debian:12@${digest}`, `docker.io/library/debian:12@${digest}`],
    ['Registry.Example/app', 'Registry.Example/app:latest'],
  ];
  for (const [input, canonical] of cases) assert.equal(normalizeReference(input), canonical, input);
  assert.deepEqual(parseReference('127.0.0.1:5000/test/img@' + digest), { registry: '127.0.0.1:5000', repository: 'test/img', digest });
});

test('bad references are refused with the reason and the expected form', () => {
  const cases: [string, RegExp][] = [
    ['', /it is empty/],
    ['app; rm -rf /', /shell metacharacter ";"/],
    ['app && id', /shell metacharacter " "/],
    ['app|sh', /shell metacharacter "\|"/],
    ['$(id)', /shell metacharacter "\$"/],
    ['app>out', /shell metacharacter ">"/],
    ["app'x", /shell metacharacter "'"/],
    ['app\nx', /control character U\+000a/],
    ['App', /repository "App" must be lowercase/],
    ['team/App:1', /must be lowercase/],
    ['app:-bad', /tag "-bad"/],
    [`app:${'t'.repeat(129)}`, /tag/],
    ['app@sha256:xyz', /invalid digest "sha256:xyz"/],
    [`app@md5:${'a'.repeat(32)}`, /unsupported digest "md5:.*only sha256/],
    ['a//b', /empty path component/],
    ['a/-b', /repository component "-b"/],
    ['host:99999/app', /port "99999"/],
    ['bad_host.example/app', /registry "bad_host.example" is not a host name/],
    [':tag', /repository name is missing/],
    [`${'a'.repeat(256)}`, /longer than 255/],
  ];
  for (const [input, message] of cases) {
    assert.throws(() => parseReference(input), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'InvalidReference', input);
      assert.match(error.message, message, input);
      assert.match(error.message, /expected \[registry\/\]repository\[:tag\]\[@sha256:digest\]/);
      return true;
    });
  }
});
