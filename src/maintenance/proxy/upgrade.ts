import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { ForwardContext } from './forward.ts';
import { clientResponseHeaders, upstreamRequestHeaders } from './forwarded-headers.ts';

/** Writes a complete HTTP/1.1 response head onto a raw socket (upgrades have no ServerResponse). */
export function writeRawHead(socket: Duplex, status: number, message: string, rawHeaders: readonly string[]) {
  let head = `HTTP/1.1 ${status} ${message}\r\n`;
  for (let i = 0; i < rawHeaders.length; i += 2) head += `${rawHeaders[i]}: ${rawHeaders[i + 1]}\r\n`;
  socket.write(`${head}\r\n`);
}

export function refuseRaw(socket: Duplex, status: number, message: string, extra: string[] = []): void {
  const body = `${message}\n`;
  writeRawHead(socket, status, message, [
    ...extra,
    'Content-Type',
    'text/plain',
    'Content-Length',
    String(Buffer.byteLength(body)),
    'Connection',
    'close',
  ]);
  socket.end(body);
}

/**
 * Passes a protocol upgrade (WebSocket) through: the handshake goes to an upstream, and on
 * 101 the two sockets are joined byte for byte until either side closes. `done` is called
 * once the handshake is over (the tunnel itself may live on for hours).
 */
export function forwardUpgrade(
  context: ForwardContext,
  request: http.IncomingMessage,
  socket: Duplex,
  head: Buffer,
  done?: () => void,
): void {
  const upstream = context.pool.pick();
  if (!upstream) {
    context.counters.upstreamFailures++;
    refuseRaw(socket, 502, 'Bad Gateway');
    return done?.();
  }
  context.counters.upgrades++;
  const outgoing = http.request({
    host: upstream.host,
    port: upstream.port,
    method: request.method,
    path: request.url,
    headers: upstreamRequestHeaders(request.rawHeaders, {
      address: request.socket.remoteAddress ?? '',
      protocol: 'encrypted' in request.socket ? 'https' : 'http',
      upgrade: true,
    }),
    // A tunnel owns its connection for good: never from the keep-alive pool.
    agent: false,
    timeout: context.upstreamTimeoutMs,
  });
  socket.once('error', () => outgoing.destroy());
  outgoing.on('upgrade', (upstreamResponse, upstreamSocket, upstreamHead) => {
    outgoing.setTimeout(0);
    context.counters.responsesByClass[1]! += 1;
    writeRawHead(
      socket,
      101,
      upstreamResponse.statusMessage ?? 'Switching Protocols',
      upstreamResponse.rawHeaders,
    );
    if (upstreamHead.length > 0) socket.write(upstreamHead);
    if (head.length > 0) upstreamSocket.write(head);
    upstreamSocket.on('error', () => socket.destroy());
    socket.on('error', () => upstreamSocket.destroy());
    upstreamSocket.on('close', () => socket.destroy());
    socket.on('close', () => upstreamSocket.destroy());
    upstreamSocket.pipe(socket);
    socket.pipe(upstreamSocket);
    done?.();
  });
  outgoing.on('response', (upstreamResponse) => {
    // The app declined the upgrade: relay its ordinary answer and close.
    const status = upstreamResponse.statusCode ?? 502;
    context.counters.responsesByClass[Math.floor(status / 100)]! += 1;
    const headers = clientResponseHeaders(upstreamResponse.rawHeaders);
    writeRawHead(socket, status, upstreamResponse.statusMessage ?? '', [...headers, 'Connection', 'close']);
    upstreamResponse.pipe(socket);
    upstreamResponse.once('end', () => done?.());
  });
  outgoing.on('timeout', () => outgoing.destroy(new Error('upstream timeout')));
  outgoing.on('error', () => {
    context.counters.upstreamFailures++;
    context.counters.responsesByClass[5]! += 1;
    if (socket.writable) refuseRaw(socket, 502, 'Bad Gateway');
    done?.();
  });
  outgoing.end();
}
