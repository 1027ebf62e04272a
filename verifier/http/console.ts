/** The console: one shell per page, a strict CSP, and `no-cache` with an ETag so a browser never runs stale code. */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';

export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** The console's pages; each serves the shell, which renders the page its path names. */
export const CONSOLE_PAGES = ['devices', 'rules', 'explain', 'decisions', 'connections', 'keys'] as const;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

/** `console/assets/` beside the source, `dist/console/assets/` beside the build (copied by npm run build). */
const ASSETS_DIR = fileURLToPath(new URL('../../console/assets/', import.meta.url));

function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (at: string) => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (TYPES[extname(name)]) {
        const body = readFileSync(path);
        const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
        assets.set(relative(dir, path).split('\\').join('/'), { body, type: TYPES[extname(name)]!, etag });
      }
    }
  };
  walk(dir);
  return assets;
}

function securityHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CONSOLE_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY');
}

export const consoleRoutes: FastifyPluginAsync<{ assetsDir?: string }> = async (app, options) => {
  const assets = loadAssets(options.assetsDir ?? ASSETS_DIR);
  const shell = assets.get('index.html');
  if (!shell) throw new Error(`console assets missing: no index.html in ${options.assetsDir ?? ASSETS_DIR} (run npm run build)`);

  const send = (reply: FastifyReply, asset: Asset, ifNoneMatch: string | undefined) => {
    securityHeaders(reply).header('cache-control', 'no-cache').header('etag', asset.etag);
    if (ifNoneMatch === asset.etag) return reply.code(304).send();
    return reply.type(asset.type).send(asset.body);
  };
  const page = { schema: { hide: true } };
  app.get('/console', page, async (request, reply) => send(reply, shell, request.headers['if-none-match']));
  for (const name of CONSOLE_PAGES) {
    app.get(`/console/${name}`, page, async (request, reply) => send(reply, shell, request.headers['if-none-match']));
  }
  app.get<{ Params: { '*': string } }>('/console/assets/*', page, async (request, reply) => {
    const asset = assets.get(request.params['*']);
    if (!asset || request.params['*'] === 'index.html') {
      return securityHeaders(reply).code(404).send({ error: { code: 'not_found', message: 'no such console asset' } });
    }
    return send(reply, asset, request.headers['if-none-match']);
  });
};
