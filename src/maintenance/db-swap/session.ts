// One administrative connection to one server for the length of a swap. A connection lost
// mid-swap (a server restarted or killed) is opened again on the next statement, so the
// rollback can still reach a server that came back; errors name the server and say what
// went wrong in plain words.
import mysql from 'mysql2/promise';
import { type Endpoint, formatEndpoint } from './endpoint.ts';

export interface Login {
  user: string;
  password: string;
  connectTimeoutMs: number;
}

type Row = mysql.RowDataPacket;

/** "connection refused", "access denied for 'u'@'h' (using password: YES)", ... */
export function plainError(error: unknown, login: Login, timeoutMs: number): string {
  const e = error as { code?: string; message?: string };
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'cannot connect: connection refused (is the server running, is the port right?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'cannot connect: the host name does not resolve';
    case 'ETIMEDOUT':
      return `no answer within ${timeoutMs / 1000}s`;
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_DBACCESS_DENIED_ERROR':
      return `cannot log in as ${login.user}: ${e.message ?? 'access denied'}`;
    case 'PROTOCOL_CONNECTION_LOST':
    case 'ECONNRESET':
    case 'EPIPE':
      return 'the connection to the server was lost';
    default:
      return e.message ?? String(error);
  }
}

export class ServerSession {
  readonly address: string;
  private connection: mysql.Connection | null = null;

  constructor(
    readonly endpoint: Endpoint,
    private readonly login: Login,
  ) {
    this.address = formatEndpoint(endpoint);
  }

  private async connected(): Promise<mysql.Connection> {
    if (this.connection) return this.connection;
    const connection = await mysql.createConnection({
      host: this.endpoint.host,
      port: this.endpoint.port,
      user: this.login.user,
      password: this.login.password,
      connectTimeout: this.login.connectTimeoutMs,
      multipleStatements: false,
    });
    // A dead server surfaces as a failed statement; the event must not end the process.
    connection.on('error', () => {
      if (this.connection === connection) this.connection = null;
    });
    this.connection = connection;
    return connection;
  }

  /** The underlying connection, for reads that take one (server-state.ts). */
  async use<T>(work: (db: mysql.Connection) => Promise<T>): Promise<T> {
    try {
      return await work(await this.connected());
    } catch (error) {
      throw this.failure(error);
    }
  }

  async query(sql: string, values: unknown[] = [], timeoutMs?: number): Promise<Row[]> {
    return this.use(async (db) => {
      const [rows] = await db.query<Row[]>({ sql, values, ...(timeoutMs ? { timeout: timeoutMs } : {}) });
      return rows;
    });
  }

  private failure(error: unknown): Error {
    const fatal = (error as { fatal?: boolean }).fatal === true || !(error as { sqlState?: string }).sqlState;
    if (fatal && this.connection) {
      this.connection.destroy();
      this.connection = null;
    }
    return new Error(`${this.address}: ${plainError(error, this.login, this.login.connectTimeoutMs)}`, {
      cause: error,
    });
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = null;
    await connection?.end().catch(() => connection.destroy());
  }
}
