/**
 * A stand-in for the verifier's native endpoints on real HTTP (node:http on 127.0.0.1, port 0):
 * `POST /v1/authenticate` answers whatever the test sets, `GET /v1/changes` long-polls a list the test
 * appends to, `POST /v1/authenticate/batch` is 404 (a verifier from before it) unless the test sets
 * `batch`. All check `X-Arra-Secret`. It can be stopped and started again on the same port to
 * play an outage.
 *
 * @module broker/test/authorizer-stub-verifier
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { TestContext } from 'node:test';
import type { AuthenticateDecision, AuthenticateRequest, Change } from '../../schemas/index.js';

export const STUB_SECRET = 'stub-secret-0123456789';

export type AuthenticateBehaviour =
  | { kind: 'decide'; decide: (request: AuthenticateRequest) => AuthenticateDecision }
  | { kind: 'raw'; status: number; body: string }
  | { kind: 'slow'; delayMs: number; decision: AuthenticateDecision };

export const allowAll = (request: AuthenticateRequest): AuthenticateDecision => ({
  allow: true,
  deviceId: request.clientId,
  incarnation: 'stub-1',
  superuser: false,
  groups: [],
  credential: { kind: 'password' },
  expiresAt: null,
  acl: { rules: [], noMatch: 'allow' },
});

/** What the batch route answers: a status and raw body, or nothing at all (a hung verifier). */
export type BatchBehaviour = (requests: AuthenticateRequest[]) => { status: number; body: string } | 'hang';

export interface StubVerifier {
  url: string;
  port: number;
  requests: AuthenticateRequest[];
  behaviour: AuthenticateBehaviour;
  /** Every batch the batch route was asked, as sent. */
  batches: AuthenticateRequest[][];
  batch: BatchBehaviour | undefined;
  /** Appends a change and answers waiting polls. */
  change(change: Change): void;
  /** Next poll answers `changes: null` (the feed lost track). */
  forget(): void;
  stop(): Promise<void>;
  start(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => resolve(body));
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

export async function startStubVerifier(t: TestContext, behaviour: AuthenticateBehaviour = { kind: 'decide', decide: allowAll }): Promise<StubVerifier> {
  const changes: Change[] = [];
  let lost = false;
  const waiters = new Set<() => void>();
  let server: Server | undefined;
  let port = 0;

  async function authenticate(req: IncomingMessage, res: ServerResponse) {
    const request = JSON.parse(await readBody(req)) as AuthenticateRequest;
    stub.requests.push(request);
    const b = stub.behaviour;
    if (b.kind === 'raw') return send(res, b.status, b.body);
    if (b.kind === 'slow') {
      await new Promise((resolve) => setTimeout(resolve, b.delayMs));
      return send(res, b.decision.allow ? 200 : 403, b.decision);
    }
    const decision = b.decide(request);
    send(res, decision.allow ? 200 : 403, decision);
  }

  async function authenticateBatch(req: IncomingMessage, res: ServerResponse) {
    const { requests } = JSON.parse(await readBody(req)) as { requests: AuthenticateRequest[] };
    if (!stub.batch) return send(res, 404, { error: 'not_found' });
    stub.batches.push(requests);
    const answer = stub.batch(requests);
    if (answer === 'hang') return;
    res.writeHead(answer.status, { 'content-type': 'application/x-ndjson' });
    res.end(answer.body);
  }

  function changesSince(since: number | undefined) {
    if (lost) {
      lost = false;
      return { revision: changes.length, changes: null };
    }
    return { revision: changes.length, changes: since === undefined ? [] : changes.slice(since) };
  }

  function poll(req: IncomingMessage, res: ServerResponse) {
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    const since = query.has('since') ? Number(query.get('since')) : undefined;
    const waitMs = Number(query.get('waitMs') ?? 25_000);
    const now = changesSince(since ?? changes.length);
    if (now.changes === null || now.changes.length > 0) return send(res, 200, now);
    const answer = () => {
      clearTimeout(timer);
      waiters.delete(answer);
      send(res, 200, changesSince(since ?? now.revision));
    };
    const timer = setTimeout(answer, waitMs);
    waiters.add(answer);
    res.on('close', () => {
      clearTimeout(timer);
      waiters.delete(answer);
    });
  }

  async function start() {
    server = createServer((req, res) => {
      if (req.headers['x-arra-secret'] !== STUB_SECRET) return send(res, 401, { error: 'unauthorized' });
      if (req.method === 'POST' && req.url === '/v1/authenticate') return void authenticate(req, res);
      if (req.method === 'POST' && req.url === '/v1/authenticate/batch') return void authenticateBatch(req, res);
      if (req.method === 'GET' && req.url?.startsWith('/v1/changes')) return poll(req, res);
      send(res, 404, { error: 'not_found' });
    });
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    const address = server.address();
    port = typeof address === 'object' && address ? address.port : port;
    stub.url = `http://127.0.0.1:${port}`;
    stub.port = port;
  }

  async function stop() {
    if (!server) return;
    const s = server;
    server = undefined;
    for (const answer of [...waiters]) waiters.delete(answer);
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  const stub: StubVerifier = {
    url: '',
    port: 0,
    requests: [],
    behaviour,
    batches: [],
    batch: undefined,
    change(change) {
      changes.push(change);
      for (const answer of [...waiters]) answer();
    },
    forget() {
      lost = true;
      for (const answer of [...waiters]) answer();
    },
    stop,
    start,
  };
  await start();
  t.after(stop);
  return stub;
}
