/**
 * The pages a browser sees before the dashboard exists (it has its own issue): a landing
 * page, and the first-run setup form that creates the owner account through the API.
 */
import type { FastifyInstance } from 'fastify';

export function registerPages(
  app: FastifyInstance,
  info: { needsSetup(): boolean; version: string },
): void {
  app.get('/', (_request, reply) => {
    const body = info.needsSetup()
      ? `<p>No owner yet. <a href="/setup">Create the owner account</a>.</p>`
      : `<p>Running. The API is documented at <a href="/api/docs">/api/docs</a>; metrics at <a href="/metrics">/metrics</a>.</p>`;
    return reply.type('text/html; charset=utf-8').send(page('Tireless', body, info.version));
  });
  app.get('/setup', (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(page('Set up Tireless', SETUP_FORM, info.version)),
  );
}

function page(title: string, body: string, version: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}
input,button{font:inherit;padding:.4rem;margin:.2rem 0;width:100%;box-sizing:border-box}
code{word-break:break-all;background:#f3f3f3;padding:.1rem .3rem}</style></head>
<body><h1>${title}</h1>${body}<footer><small>Tireless ${version}</small></footer></body></html>`;
}

const SETUP_FORM = `<form id="setup">
<label>Email <input name="email" type="email" required autocomplete="username"></label>
<label>Password (8 characters or more) <input name="password" type="password" minlength="8" required autocomplete="new-password"></label>
<button type="submit">Create owner account</button></form><p id="outcome" role="status"></p>
<script>
document.getElementById('setup').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const reply = await fetch('/api/v1/setup', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: form.get('email'), password: form.get('password') }) });
  const body = await reply.json().catch(() => ({}));
  const outcome = document.getElementById('outcome');
  outcome.textContent = reply.ok
    ? 'Done. Your API token (keep it secret): ' + body.token
    : 'Not done: ' + ((body.error && body.error.message) || reply.status);
});
</script>`;
