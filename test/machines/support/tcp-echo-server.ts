// A TCP echo server for network tests, run inside a machine's namespace: node tcp-echo-server.ts
// ADDRESS PORT. It echoes what it receives, closes its side once the client has closed its own,
// and prints "listening ADDRESS:PORT" when ready.
import { createServer } from 'node:net';

const [address, port] = process.argv.slice(2);
const server = createServer({ allowHalfOpen: true }, (socket) => {
  socket.on('error', () => socket.destroy());
  socket.pipe(socket);
});
server.listen(Number(port), address, () => console.log(`listening ${address}:${port}`));
process.on('SIGTERM', () => process.exit(0));
