// The API connections this CLI process opened, closed when its command ends: their keep-alive
// sockets would otherwise hold the process open. A module of its own, so that a command that opened
// none (generate, crds, completion…) loads no client code just to close nothing.

interface Closable {
  close(): void;
}

const open = new Set<Closable>();

export function trackConnection(connection: Closable): void {
  open.add(connection);
}

export function closeConnections(): void {
  for (const connection of open) connection.close();
  open.clear();
}
