// /version: the Kubernetes version whose API Slipway serves (kubectl warns on large skews).
const info = JSON.stringify({
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0+slipway',
  gitCommit: '',
  gitTreeState: 'clean',
  buildDate: '2025-01-01T00:00:00Z',
  goVersion: `node${process.versions.node}`,
  compiler: 'node',
  platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
});

export function serverVersion(): string {
  return info;
}
