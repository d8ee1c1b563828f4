// A loopback HTTP server that records every request (method, path, headers, raw body) and
// answers from a script: a status with headers and body, or `hang` (never answers), or `reset`
// (drops the connection). Stands in for webhook, chat and paging receivers in tests.
import http from 'node:http';
import type net from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path with query string. */
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export type Answer = { status: number; headers?: Record<string, string>; body?: string } | 'hang' | 'reset';

export interface RecordingServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  requests: RecordedRequest[];
  /** Answers for the next requests, in order; afterwards the default answer. */
  answerNext(...answers: Answer[]): void;
  /** Connections still open (a client that gave up on a hung request should have closed its end). */
  openConnections(): Promise<number>;
  close(): Promise<void>;
}

export async function recordingServer(
  defaultAnswer: Answer = { status: 200, body: 'ok' },
): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  const queue: Answer[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const answer = queue.shift() ?? defaultAnswer;
      if (answer === 'hang') return;
      if (answer === 'reset') {
        req.socket.resetAndDestroy();
        return;
      }
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body ?? '');
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    answerNext: (...answers) => queue.push(...answers),
    openConnections: () => new Promise((resolve) => server.getConnections((_, n) => resolve(n))),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
