import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { describe, it } from 'node:test';
import { selfSignedCertificate } from '../testing/index.js';
import { createTestApi } from './testing.js';

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
    const { cert, key } = selfSignedCertificate();
    const tls = { cert, key };
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
