// A read-only npm registry on loopback for the `@hutong` scope, serving packed tarballs: what
// `pnpm release:try` installs from before anything is published. Only `@hutong/*` is served; an app
// points that scope here (`@hutong:registry=http://127.0.0.1:<port>/` in its .npmrc) and takes every
// other package from its usual registry, so npm and pnpm resolve `^1.0.0` between our packages as
// they will once they are published.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

/** The manifest inside a tarball (`package/package.json`). */
function manifestOf(file) {
  return JSON.parse(execFileSync('tar', ['-xzOf', file, 'package/package.json'], { encoding: 'utf8' }));
}

/**
 * Serves every `*.tgz` of `folder` on 127.0.0.1 (a free port). Resolves with its `url` and `close()`.
 */
export async function startLocalRegistry(folder) {
  const packages = new Map();
  const tarballs = new Map();
  for (const file of readdirSync(folder).filter((name) => name.endsWith('.tgz'))) {
    const path = join(folder, file);
    const bytes = readFileSync(path);
    const manifest = manifestOf(path);
    const tarballPath = `/${manifest.name}/-/${file}`;
    tarballs.set(tarballPath, bytes);
    const entry = packages.get(manifest.name) ?? { versions: {}, latest: manifest.version };
    entry.versions[manifest.version] = {
      ...manifest,
      _id: `${manifest.name}@${manifest.version}`,
      dist: {
        tarball: tarballPath,
        shasum: createHash('sha1').update(bytes).digest('hex'),
        integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
      },
    };
    packages.set(manifest.name, entry);
  }
  let origin = '';
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://registry').pathname);
    const tarball = tarballs.get(path);
    if (tarball !== undefined) {
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': tarball.length });
      response.end(tarball);
      return;
    }
    const entry = packages.get(path.slice(1));
    if (entry === undefined) {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end('{"error":"not found"}');
      return;
    }
    const created = '2026-01-01T00:00:00.000Z';
    const versions = Object.fromEntries(
      Object.entries(entry.versions).map(([version, manifest]) => [
        version,
        { ...manifest, dist: { ...manifest.dist, tarball: `${origin}${manifest.dist.tarball}` } },
      ]),
    );
    const time = { created, modified: created, ...Object.fromEntries(Object.keys(versions).map((v) => [v, created])) };
    const body = JSON.stringify({ name: path.slice(1), 'dist-tags': { latest: entry.latest }, versions, time });
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  return {
    url: `${origin}/`,
    names: [...packages.keys()].sort(),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
