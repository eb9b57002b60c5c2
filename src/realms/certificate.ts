/** The facts of a certificate that checks and warnings speak of. */
import type { X509Certificate } from 'node:crypto';

export interface CertificateSummary {
  readonly subject: string;
  readonly issuer: string;
  /** Unix ms. */
  readonly validFrom: number;
  readonly validTo: number;
}

export function summarize(certificate: X509Certificate): CertificateSummary {
  const line = (name: string) => name.split('\n').filter(Boolean).join(', ');
  return {
    subject: line(certificate.subject),
    issuer: line(certificate.issuer),
    validFrom: Date.parse(certificate.validFrom),
    validTo: Date.parse(certificate.validTo),
  };
}
