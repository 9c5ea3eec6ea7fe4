/**
 * The pages of the real binary: the landing page before and after setup, and the setup
 * form, filled in and submitted by running the page's own script against the node.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runInNewContext } from 'node:vm';
import { ApiClient, startTireless, tempDir } from '../testing/index.js';

interface Page {
  status: number;
  type: string;
  html: string;
}

async function page(url: string): Promise<Page> {
  const reply = await fetch(url);
  return {
    status: reply.status,
    type: reply.headers.get('content-type') ?? '',
    html: await reply.text(),
  };
}

/** The inputs of the page's form: name and type of each. */
function inputs(html: string): { name: string; type: string }[] {
  return [...html.matchAll(/<input\b([^>]*)>/g)].map(([, attributes = '']) => ({
    name: /\bname="([^"]*)"/.exec(attributes)?.[1] ?? '',
    type: /\btype="([^"]*)"/.exec(attributes)?.[1] ?? 'text',
  }));
}

/**
 * Fills the setup page's form as a user would (an email in the email field, the password in
 * the password field), runs the page's script with a minimal DOM and the real fetch against
 * the node, submits, and returns what the page then shows.
 */
async function submitSetupForm(baseUrl: string, html: string, email: string, password: string) {
  const values = new Map(
    inputs(html).map(({ name, type }) => [name, type === 'password' ? password : email]),
  );
  const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1];
  assert.ok(script, 'the setup page has a script');
  const form = { id: 'setup', values, submit: undefined as undefined | ((e: unknown) => unknown) };
  const outcome = { textContent: '' };
  const elements: Record<string, unknown> = {
    setup: {
      addEventListener: (type: string, handler: (e: unknown) => unknown) => {
        if (type === 'submit') form.submit = handler;
      },
    },
    outcome,
  };
  runInNewContext(script, {
    document: { getElementById: (id: string) => elements[id] ?? null },
    FormData: class {
      constructor(private readonly target: typeof form) {}
      get(name: string) {
        return this.target.values.get(name) ?? null;
      }
    },
    fetch: (url: string, init: RequestInit) => fetch(new URL(url, baseUrl), init),
  });
  assert.ok(form.submit, 'the script handles the form submit');
  let prevented = false;
  await form.submit({ target: form, preventDefault: () => (prevented = true) });
  assert.ok(prevented, 'the page stays (the script sends the form itself)');
  return outcome.textContent;
}

test('landing page and setup form: render, and the form creates the owner', async (t) => {
  const node = await startTireless(tempDir());
  t.after(() => node.kill());

  const landing = await page(`${node.url}/`);
  assert.equal(landing.status, 200);
  assert.match(landing.type, /^text\/html/);
  assert.match(landing.html, /<title>Tireless<\/title>/);
  assert.match(landing.html, /No owner yet\. <a href="\/setup">Create the owner account<\/a>/);

  const setup = await page(`${node.url}/setup`);
  assert.equal(setup.status, 200);
  assert.match(setup.type, /^text\/html/);
  assert.deepEqual(
    inputs(setup.html).map((input) => input.type),
    ['email', 'password'],
  );
  assert.match(setup.html, /<button type="submit">Create owner account<\/button>/);

  const shown = await submitSetupForm(node.url, setup.html, 'owner@example.com', 'form password');
  const token = /^Done\. Your API token \(keep it secret\): (\S+)$/.exec(shown)?.[1];
  assert.ok(token, shown);
  await new ApiClient(node.url, token).expect(200, 'GET', '/api/v1/monitors');
  const login = await new ApiClient(node.url).request('POST', '/api/v1/auth/login', {
    email: 'owner@example.com',
    password: 'form password',
  });
  assert.equal(login.status, 200, 'the form sent the password typed');

  const again = await submitSetupForm(node.url, setup.html, 'x@example.com', 'other password');
  assert.match(again, /^Not done: .*already/);

  const running = await page(`${node.url}/`);
  assert.match(running.html, /Running\. The API is documented at <a href="\/api\/docs">/);
  assert.doesNotMatch(running.html, /No owner yet/);
});
