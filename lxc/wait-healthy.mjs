// Waits until the verifier answers GET $ARRA_VERIFIER_URL/healthz with 2xx, or exits 1 after the
// seconds given (default 60). Run by the verifier unit as ExecStartPost, so the unit counts as started
// only once it answers and the broker (After=arra-mq-verifier.service) never starts before it; and by
// install.sh as its health check. Off loopback the verifier serves TLS with a certificate this probe
// need not trust: it sends nothing secret and only reads the status. As ExecStartPost it gives up as
// soon as the verifier's process ($MAINPID, set by systemd) is gone: a release that exits at start
// fails its start at once instead of after the whole wait.
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';

const url = new URL('healthz', `${process.env.ARRA_VERIFIER_URL ?? 'http://127.0.0.1:8080'}/`);
const deadline = Date.now() + Number(process.argv[2] ?? 60) * 1000;
const get = url.protocol === 'https:' ? httpsGet : httpGet;

function answersOk() {
  return new Promise((resolve) => {
    const req = get(url, { rejectUnauthorized: false, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode >= 200 && res.statusCode < 300);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/** False once systemd's main process of the unit has exited (true when not run by systemd). */
function mainProcessAlive() {
  if (!process.env.MAINPID) return true;
  try {
    process.kill(Number(process.env.MAINPID), 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

while (!(await answersOk())) {
  if (!mainProcessAlive()) {
    process.stderr.write(`wait-healthy: the verifier (pid ${process.env.MAINPID}) exited before ${url} answered\n`);
    process.exit(1);
  }
  if (Date.now() > deadline) {
    process.stderr.write(`wait-healthy: ${url} did not answer within ${process.argv[2] ?? 60}s\n`);
    process.exit(1);
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
}
