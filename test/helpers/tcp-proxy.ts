import net from 'node:net';

/**
 * A TCP proxy on a free loopback port in front of a server (a broker), for tests of what the network does to a
 * client: `hold()` keeps back what the server sends (a PUBACK that never arrives) until `release()`; `cut()` resets
 * every connection, as a lost network or a crash would, with no DISCONNECT reaching the server.
 */
export async function startTcpProxy(targetPort: number) {
  let holding = false;
  const held: { socket: net.Socket; chunk: Buffer }[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => (holding ? held.push({ socket: client, chunk }) : client.write(chunk)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    /** `mqtt://127.0.0.1:<port>` */
    url: `mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    /** Client-side and server-side sockets still open. */
    openSockets: () => sockets.size,
    hold() {
      holding = true;
    },
    release() {
      holding = false;
      for (const { socket, chunk } of held.splice(0)) if (!socket.destroyed) socket.write(chunk);
    },
    cut() {
      for (const socket of sockets) socket.resetAndDestroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
