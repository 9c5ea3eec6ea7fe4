import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createTestApi } from './testing.js';

/** A self-signed certificate for 127.0.0.1, made here by openssl (no network). */
function selfSigned(): { cert: Buffer; key: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'tireless-tls-'));
  try {
    const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=tireless test',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    return { cert: readFileSync(cert), key: readFileSync(key) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function post(port: number, path: string, body: object, ca: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        ca,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
        );
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

void describe('native TLS', () => {
  void it('serves HTTPS with the certificate given, sets Secure cookies, and speaks no plain HTTP', async (t) => {
    const tls = selfSigned();
    const api = await createTestApi({ settings: { tls } });
    t.after(() => api.close());
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    const address = api.app.server.address();
    assert.ok(address && typeof address === 'object');
    const { port } = address;

    const login = await post(port, '/api/v1/auth/session', api.owner, tls.cert);
    assert.equal(login.status, 201, login.body);
    const cookie = String(login.headers['set-cookie']);
    assert.match(cookie, /^tireless_session=tl_[^;]+; .*HttpOnly; SameSite=Strict; Secure$/);

    // An untrusted certificate is refused by the client: the server's is the one presented.
    await assert.rejects(
      post(port, '/api/v1/auth/session', api.owner, Buffer.from('')),
      /certificate/,
    );
    const plain = await new Promise<string>((resolve) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/healthz' }, (res) =>
        resolve(`answered ${res.statusCode}`),
      );
      req.on('error', (error) => resolve(`error ${error.message}`));
      req.end();
    });
    assert.doesNotMatch(plain, /answered 200/);
  });
});
