// A UDP echo server for network tests, run inside a machine's namespace: node udp-echo-server.ts
// ADDRESS PORT. It answers each datagram with "SENDER_ADDRESS:SENDER_PORT DATA" (so a test sees
// which socket reached the machine) and prints "listening ADDRESS:PORT" when ready.
import { createSocket } from 'node:dgram';

const [address, port] = process.argv.slice(2);
const socket = createSocket('udp4');
socket.on('message', (message, from) => socket.send(`${from.address}:${from.port} ${message.toString()}`, from.port, from.address));
socket.bind(Number(port), address, () => console.log(`listening ${address}:${port}`));
process.on('SIGTERM', () => process.exit(0));
