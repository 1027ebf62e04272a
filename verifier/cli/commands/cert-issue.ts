/**
 * `arra-mq cert issue`: the verifier's device CA issues a certificate and key, and registers the
 * fingerprint; the CLI writes `DEVICE.key.pem` (0600), `DEVICE.cert.pem` and `ca.pem` into `--out`.
 * The private key goes only into its file: never on stdout, not even with `--json`.
 */
import { constants } from 'node:fs';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CertificateIssued } from '../../../schemas/admin.js';
import { positiveInt } from '../_args.js';
import { defineCommand } from '../_command.js';
import { ConflictError, UnexpectedError, UsageError } from '../_errors.js';
import { formatRecord } from '../_output.js';
import { paths } from './_paths.js';
import { credentialPairs } from './_render.js';

export default defineCommand({
  usage: 'cert issue DEVICE [--out DIR] [--days N]',
  summary: 'Issue a certificate and private key for a device from the verifier CA.',
  details: 'Writes DIR/DEVICE.key.pem (mode 0600), DIR/DEVICE.cert.pem and DIR/ca.pem; refuses to overwrite a key or certificate.',
  options: {
    out: { type: 'string', valueName: 'DIR', description: 'where to write the files (default: the current directory)' },
    days: { type: 'string', valueName: 'N', description: 'validity in days (default: the verifier’s, 365)' },
  },
  positionals: ['DEVICE'],
  async run(ctx) {
    const [device] = ctx.positionals as [string];
    const days = positiveInt(ctx.values.days, 'days', ctx.usage);
    const dir = resolve(ctx.values.out ?? '.');
    const files = { key: join(dir, `${device}.key.pem`), cert: join(dir, `${device}.cert.pem`), ca: join(dir, 'ca.pem') };
    // Checked before issuing: a key the verifier handed out but we could not write would be lost.
    await prepareDirectory(dir, ctx.usage);
    await refuseExisting([files.key, files.cert]);
    const issued = await (await ctx.client()).send('POST', paths.certificates(device), CertificateIssued, {
      json: days === undefined ? {} : { days },
    });
    try {
      await writeFile(files.key, issued.keyPem, { mode: 0o600, flag: 'wx' });
      await writeFile(files.cert, issued.certPem, { flag: 'wx' });
      // The CA certificate is public and the same for every device: overwriting it is fine.
      await writeFile(files.ca, issued.caPem);
    } catch (error) {
      throw new UnexpectedError(
        `the certificate was issued (credential ${issued.credential.id}) but writing it to ${dir} failed: ${(error as Error).message}; ` +
          `revoke it with "arra-mq cert revoke ${device} ${issued.credential.id}" and issue again`,
      );
    }
    ctx.out.result({ credential: issued.credential, files }, () =>
      formatRecord([...credentialPairs(issued.credential), ['key file', files.key], ['cert file', files.cert], ['ca file', files.ca]]),
    );
  },
});

async function prepareDirectory(dir: string, usage: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch (error) {
    throw new UsageError(`--out: cannot write to ${dir}: ${(error as Error).message}`, usage);
  }
}

async function refuseExisting(files: string[]): Promise<void> {
  for (const file of files) {
    const exists = await access(file, constants.F_OK).then(
      () => true,
      () => false,
    );
    if (exists) throw new ConflictError(`${file} already exists; remove it or choose another --out`);
  }
}
