/**
 * Offline PKI for the local cluster with openssl: one CA, then per-identity ECDSA P-256 keys and
 * certificates signed by it. Files already present are kept, so issuing is idempotent.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { $ } from 'zx';
import { StepError } from '../tools/status.ts';

export interface CertRequest {
  /** File stem: `<name>.key` and `<name>.crt`. */
  name: string;
  /** File stem of the signing CA; `ca` unless given. */
  signer?: string;
  commonName: string;
  organization?: string;
  /** Usages the certificate allows; components that serve and call the API get both. */
  usages: ('serverAuth' | 'clientAuth')[];
  dnsNames?: string[];
  ipAddresses?: string[];
}

const CA_DAYS = 3650;
const CERT_DAYS = 365;
const openssl = $({ quiet: true, nothrow: true });

async function run(what: string, args: string[]): Promise<void> {
  const result = await openssl`openssl ${args}`;
  if (result.exitCode !== 0) throw new StepError(`openssl failed ${what}`, result.stdall);
}

async function ensureKey(keyFile: string): Promise<void> {
  if (existsSync(keyFile)) return;
  const curve = ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  await run(`generating ${path.basename(keyFile)}`, ['genpkey', ...curve, '-out', keyFile]);
}

export const certPaths = (dir: string, name: string) => ({
  cert: path.join(dir, `${name}.crt`),
  key: path.join(dir, `${name}.key`),
});

export async function ensureCa(dir: string, name: string, commonName: string): Promise<void> {
  const ca = certPaths(dir, name);
  await mkdir(dir, { recursive: true });
  await ensureKey(ca.key);
  if (existsSync(ca.cert)) return;
  const config = path.join(dir, `${name}.cnf`);
  await writeFile(
    config,
    [
      '[req]',
      'distinguished_name = dn',
      '[dn]',
      '[ca]',
      'basicConstraints = critical,CA:TRUE',
      'keyUsage = critical,keyCertSign,cRLSign,digitalSignature',
      'subjectKeyIdentifier = hash',
      '',
    ].join('\n'),
  );
  await run(`creating ${name}.crt`, [
    ...['req', '-x509', '-new', '-sha256', '-key', ca.key, '-subj', `/CN=${commonName}`],
    ...['-days', String(CA_DAYS), '-config', config, '-extensions', 'ca', '-out', ca.cert],
  ]);
  await rm(config);
}

export async function ensureCert(dir: string, request: CertRequest): Promise<void> {
  const ca = certPaths(dir, request.signer ?? 'ca');
  const { cert, key } = certPaths(dir, request.name);
  await ensureKey(key);
  if (existsSync(cert)) return;
  const subject = `${request.organization ? `/O=${request.organization}` : ''}/CN=${request.commonName}`;
  const altNames = [
    ...(request.dnsNames ?? []).map((name) => `DNS:${name}`),
    ...(request.ipAddresses ?? []).map((ip) => `IP:${ip}`),
  ];
  const extensions = path.join(dir, `${request.name}.ext`);
  const csr = path.join(dir, `${request.name}.csr`);
  await writeFile(
    extensions,
    [
      'basicConstraints = critical,CA:FALSE',
      'keyUsage = critical,digitalSignature',
      `extendedKeyUsage = ${request.usages.join(',')}`,
      'authorityKeyIdentifier = keyid',
      ...(altNames.length > 0 ? [`subjectAltName = ${altNames.join(',')}`] : []),
      '',
    ].join('\n'),
  );
  try {
    await run(`creating the ${request.name} request`, [
      'req',
      '-new',
      '-key',
      key,
      '-subj',
      subject,
      '-out',
      csr,
    ]);
    await run(`signing ${request.name}.crt`, [
      ...['x509', '-req', '-sha256', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key],
      ...['-set_serial', `0x${randomBytes(16).toString('hex')}`, '-days', String(CERT_DAYS)],
      ...['-extfile', extensions, '-out', cert],
    ]);
  } finally {
    await rm(extensions, { force: true });
    await rm(csr, { force: true });
  }
}

/** A key pair for signing service-account tokens (not a certificate). */
export async function ensureSigningKey(dir: string, name: string): Promise<{ key: string; pub: string }> {
  const key = path.join(dir, `${name}.key`);
  const pub = path.join(dir, `${name}.pub`);
  await ensureKey(key);
  if (!existsSync(pub)) await run(`writing ${name}.pub`, ['pkey', '-in', key, '-pubout', '-out', pub]);
  return { key, pub };
}
