// Test certificates made with the openssl CLI in a temp dir: a CA and leaves signed by it
// (valid, expired, wrong host, expiring soon, a client certificate) and a self-signed one.
// `openssl ca` is used because it sets explicit start and end dates on OpenSSL 3.0, whose
// `x509 -req` has no -not_before/-not_after.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PemPair {
  certPath: string;
  keyPath: string;
  cert: Buffer;
  key: Buffer;
}

export interface TestCertificates {
  dir: string;
  caPath: string;
  ca: Buffer;
  /** 127.0.0.1, ::1 and localhost, valid for a year. */
  valid: PemPair;
  /** Same names, expired 30 days ago. */
  expired: PemPair;
  /** Only for wrong.example. */
  wrongHost: PemPair;
  /** Self-signed for 127.0.0.1 and localhost. */
  selfSigned: PemPair;
  /** Same names as `valid`, ending 5 days from now. */
  expiresSoon: PemPair;
  /** A client certificate (CN=vigil-client) signed by the CA. */
  client: PemPair;
  cleanup(): Promise<void>;
}

const LOCAL_NAMES = 'DNS:localhost,IP:127.0.0.1,IP:::1';

function stamp(date: Date): string {
  return `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

export async function makeTestCertificates(): Promise<TestCertificates> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-certs-'));
  const file = (name: string) => path.join(dir, name);
  await writeFile(file('index.txt'), '');
  await writeFile(file('serial'), '1000\n');
  await writeFile(
    file('ca.cnf'),
    [
      '[ca]',
      'default_ca = test_ca',
      '[test_ca]',
      `database = ${file('index.txt')}`,
      `serial = ${file('serial')}`,
      `new_certs_dir = ${dir}`,
      `certificate = ${file('ca.pem')}`,
      `private_key = ${file('ca.key')}`,
      'default_md = sha256',
      'policy = any_name',
      'unique_subject = no',
      'email_in_dn = no',
      '[any_name]',
      'commonName = supplied',
      '',
    ].join('\n'),
  );
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  await run('openssl', [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
    '-subj',
    '/CN=Vigil Test CA',
    '-days',
    '3650',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);

  // Leaves are issued one after another: `openssl ca` updates its serial and index files.
  const leaf = async (
    name: string,
    subject: string,
    extensions: string,
    start: Date,
    end: Date,
  ): Promise<PemPair> => {
    await run('openssl', [
      'req',
      '-new',
      ...ec,
      '-keyout',
      file(`${name}.key`),
      '-out',
      file(`${name}.csr`),
      '-subj',
      subject,
    ]);
    await writeFile(file(`${name}.ext`), `[leaf]\nbasicConstraints = CA:FALSE\n${extensions}\n`);
    await run('openssl', [
      'ca',
      '-batch',
      '-notext',
      '-config',
      file('ca.cnf'),
      '-extfile',
      file(`${name}.ext`),
      '-extensions',
      'leaf',
      '-startdate',
      stamp(start),
      '-enddate',
      stamp(end),
      '-in',
      file(`${name}.csr`),
      '-out',
      file(`${name}.pem`),
    ]);
    return pair(name);
  };
  const pair = async (name: string): Promise<PemPair> => ({
    certPath: file(`${name}.pem`),
    keyPath: file(`${name}.key`),
    cert: await readFile(file(`${name}.pem`)),
    key: await readFile(file(`${name}.key`)),
  });

  const now = Date.now();
  const day = 86_400_000;
  const serverExt = `subjectAltName = ${LOCAL_NAMES}\nextendedKeyUsage = serverAuth`;
  const valid = await leaf(
    'valid',
    '/CN=localhost',
    serverExt,
    new Date(now - day),
    new Date(now + 365 * day),
  );
  const expired = await leaf(
    'expired',
    '/CN=localhost',
    serverExt,
    new Date(now - 90 * day),
    new Date(now - 30 * day),
  );
  const wrongHost = await leaf(
    'wrong-host',
    '/CN=wrong.example',
    'subjectAltName = DNS:wrong.example\nextendedKeyUsage = serverAuth',
    new Date(now - day),
    new Date(now + 365 * day),
  );
  const expiresSoon = await leaf(
    'soon',
    '/CN=localhost',
    serverExt,
    new Date(now - day),
    new Date(now + 5 * day),
  );
  const client = await leaf(
    'client',
    '/CN=vigil-client',
    'extendedKeyUsage = clientAuth',
    new Date(now - day),
    new Date(now + 365 * day),
  );
  await run('openssl', [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    file('self.key'),
    '-out',
    file('self.pem'),
    '-subj',
    '/CN=localhost',
    '-days',
    '90',
    '-addext',
    `subjectAltName=${LOCAL_NAMES}`,
  ]);
  const selfSigned = await pair('self');

  return {
    dir,
    caPath: file('ca.pem'),
    ca: await readFile(file('ca.pem')),
    valid,
    expired,
    wrongHost,
    selfSigned,
    expiresSoon,
    client,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
