// Certificate facts shared by the `tls` and `http` kinds: a readable summary of the peer
// certificate, days to expiry, and the text behind Node's verification error codes.
import { readFile } from 'node:fs/promises';
import type { PeerCertificate } from 'node:tls';

const DAY_MS = 86_400_000;

export interface CertificateSummary {
  subject: string;
  issuer: string;
  serial: string;
  notBefore: Date;
  notAfter: Date;
  altNames: string;
  fingerprint256: string;
}

/** Undefined when the peer sent no certificate (Node then gives an empty object). */
export function summarizeCertificate(cert: PeerCertificate | undefined): CertificateSummary | undefined {
  if (!cert || !cert.valid_to) return undefined;
  return {
    subject: distinguishedName(cert.subject),
    issuer: distinguishedName(cert.issuer),
    serial: cert.serialNumber ?? '',
    notBefore: new Date(cert.valid_from),
    notAfter: new Date(cert.valid_to),
    altNames: cert.subjectaltname ?? '',
    fingerprint256: cert.fingerprint256 ?? '',
  };
}

/** Days (fractional) until `notAfter`; negative once expired. */
export function daysLeft(cert: CertificateSummary, nowMs: number): number {
  return (cert.notAfter.getTime() - nowMs) / DAY_MS;
}

/** "expires in 12 days (2027-01-31)" or "expired 3 days ago (2025-01-31)". */
export function describeExpiry(cert: CertificateSummary, nowMs: number): string {
  return `${relativeExpiry(cert, nowMs)} (${cert.notAfter.toISOString().slice(0, 10)})`;
}

/** Whole days, rounded down, as check_http prints them. */
function relativeExpiry(cert: CertificateSummary, nowMs: number): string {
  const days = daysLeft(cert, nowMs);
  const whole = Math.floor(Math.abs(days));
  const unit = whole === 1 ? 'day' : 'days';
  return days >= 0 ? `expires in ${whole} ${unit}` : `expired ${whole} ${unit} ago`;
}

export function certificateLines(cert: CertificateSummary, nowMs: number): string[] {
  return [
    `subject: ${cert.subject}`,
    `issuer: ${cert.issuer}`,
    `serial: ${cert.serial}`,
    `not before: ${cert.notBefore.toISOString()}`,
    `not after: ${cert.notAfter.toISOString()}, ${relativeExpiry(cert, nowMs)}`,
    ...(cert.altNames ? [`alt names: ${cert.altNames}`] : []),
    ...(cert.fingerprint256 ? [`sha256 fingerprint: ${cert.fingerprint256}`] : []),
  ];
}

function distinguishedName(name: PeerCertificate['subject'] | undefined): string {
  if (!name) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(name)) {
    for (const item of Array.isArray(value) ? value : [value]) parts.push(`${key}=${item}`);
  }
  return parts.join(', ');
}

// OpenSSL's wording for the verification results Node reports only by code when
// `rejectUnauthorized` is off.
const VERIFY_TEXT: Record<string, string> = {
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in certificate chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the first certificate',
  UNABLE_TO_GET_ISSUER_CERT: 'unable to get issuer certificate',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unable to get local issuer certificate',
  CERT_SIGNATURE_FAILURE: 'certificate signature failure',
  CERT_REVOKED: 'certificate revoked',
  CERT_UNTRUSTED: 'certificate not trusted',
  CERT_REJECTED: 'certificate rejected',
  INVALID_CA: 'invalid CA certificate',
  PATH_LENGTH_EXCEEDED: 'path length constraint exceeded',
  INVALID_PURPOSE: 'unsupported certificate purpose',
  HOSTNAME_MISMATCH: 'hostname mismatch',
  ERR_TLS_CERT_ALTNAME_INVALID: "hostname does not match the certificate's names",
};

/** "certificate has expired (CERT_HAS_EXPIRED)"; unknown codes are shown as they are. */
export function describeVerifyError(code: string): string {
  const text = VERIFY_TEXT[code];
  return text ? `${text} (${code})` : code;
}

/** Reads a PEM file named in params; the error names the param and the cause. */
export async function readPemFile(param: string, path: string): Promise<Buffer | string> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return `cannot read ${param} ${path}: ${code}`;
  }
}

/** Formats a seconds figure the way the status lines print it. */
export function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** A timeout in the "within 10s" wording used by every kind. */
export function timeoutText(timeoutMs: number): string {
  const s = timeoutMs / 1000;
  return `${Number.isInteger(s) ? s : Number(s.toFixed(3))}s`;
}
