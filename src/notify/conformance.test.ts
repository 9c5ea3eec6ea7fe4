import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeError, TirelessError } from '../errors/index.js';
import {
  startRecordingHttpServer,
  startSmtpReceiver,
  type RecordedRequest,
} from '../testing/index.js';
import { causeChain } from './send-errors.js';
import { notifiers, type ChannelType } from './index.js';
import {
  byName,
  FIXTURES,
  refusing,
  SAMPLES,
  SMTP_CREDENTIALS,
  secretsOf,
  testContext,
  type NotifierFixture,
  type PeerAddress,
} from './test-fixtures.js';
import type { Notifier } from './types.js';

/**
 * One suite run over every registered notifier: config schema, error mapping, timeouts,
 * aborts, secrets in errors and the address guard, against a real local receiver (HTTP or
 * SMTP).
 */

/** A way the receiver can refuse, and whether the notifier must call it retryable. */
interface Failure {
  code: number;
  retryable: boolean;
}

const HTTP_FAILURES: Failure[] = [
  { code: 302, retryable: false },
  { code: 400, retryable: false },
  { code: 401, retryable: false },
  { code: 403, retryable: false },
  { code: 404, retryable: false },
  { code: 408, retryable: true },
  { code: 425, retryable: true },
  { code: 429, retryable: true },
  { code: 500, retryable: true },
  { code: 502, retryable: true },
  { code: 503, retryable: true },
];

const SMTP_FAILURES: Failure[] = [
  { code: 421, retryable: true },
  { code: 451, retryable: true },
  { code: 452, retryable: true },
  { code: 550, retryable: false },
  { code: 552, retryable: false },
  { code: 554, retryable: false },
];

/** The local stand-in for a service, switchable between accepting, refusing and silence. */
interface Peer {
  address: PeerAddress;
  failures: Failure[];
  /** How many messages it accepted. */
  accepted(): number;
  accept(): void;
  /** Refuses with `failure.code`, quoting `leaks` back the way some services echo input. */
  refuse(failure: Failure, leaks: readonly string[]): void;
  /** How many leaks the refusals quoted (so the no-leak check is not vacuous). */
  quotedLeaks(): number;
  /** Never answers. */
  hang(): void;
  /**
   * Runs `leaveUnanswered` (which sends one request the peer does not answer; `held`
   * resolves once the peer holds it) and resolves once the peer holds that request. Else,
   * under load, the request could reach the peer after the next test switched it back to
   * accepting, and count there.
   */
  unanswered<T>(leaveUnanswered: (held: Promise<void>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

async function startPeer(fixture: NotifierFixture): Promise<Peer> {
  return fixture.transport === 'smtp' ? startSmtpPeer() : startHttpPeer(fixture);
}

async function startHttpPeer(fixture: NotifierFixture): Promise<Peer> {
  const acceptedReply = fixture.accepted ?? { status: 200 };
  const server = await startRecordingHttpServer(() => acceptedReply);
  let acceptedCount = 0;
  let quotedLeaks = 0;
  const accept = (): void =>
    server.setResponder(() => {
      acceptedCount += 1;
      return acceptedReply;
    });
  accept();
  return {
    address: server,
    failures: HTTP_FAILURES,
    accepted: () => acceptedCount,
    accept,
    refuse: (failure, leaks) =>
      server.setResponder((request) => {
        const quoted = leaks.filter((leak) => carries(request, leak));
        quotedLeaks += quoted.length;
        return { status: failure.code, body: `refused; you sent ${quoted.join(' ')}` };
      }),
    quotedLeaks: () => quotedLeaks,
    hang: () => server.setResponder(() => 'no-reply'),
    unanswered: async (leaveUnanswered) => {
      const held = server.waitFor(server.requests.length + 1, 10_000).then(() => undefined);
      const outcome = await leaveUnanswered(held);
      await held;
      return outcome;
    },
    close: () => server.close(),
  };
}

async function startSmtpPeer(): Promise<Peer> {
  const receiver = await startSmtpReceiver({ credentials: SMTP_CREDENTIALS });
  let quotedLeaks = 0;
  return {
    address: {
      url: `smtp://${receiver.host}:${receiver.port}`,
      host: receiver.host,
      port: receiver.port,
    },
    failures: SMTP_FAILURES,
    accepted: () => receiver.messages.length,
    accept: () => receiver.setReply('accept'),
    refuse: (failure, leaks) => {
      quotedLeaks += leaks.length;
      receiver.setReply({ code: failure.code, message: `refused; you sent ${leaks.join(' ')}` });
    },
    quotedLeaks: () => quotedLeaks,
    hang: () => receiver.setReply('no-reply'),
    // A silent SMTP peer holds the session; it never accepts that message later.
    unanswered: (leaveUnanswered) => leaveUnanswered(sleep(50)),
    close: () => receiver.close(),
  };
}

function carries(request: RecordedRequest, text: string): boolean {
  const headerValues = Object.values(request.headers).flat().join(' ');
  return [request.path, headerValues, request.text].some((part) => part.includes(text));
}

/** A secret and, for a secret URL, its path and query, where services keep the token. */
function sensitiveParts(secret: string): string[] {
  if (!URL.canParse(secret)) return [secret];
  const { pathname, search } = new URL(secret);
  return [secret, pathname + search];
}

/** Awaits a rejection and checks it is a TIRELESS_DELIVERY error naming the channel type. */
async function deliveryFailure(type: string, sending: Promise<void>): Promise<TirelessError> {
  const error = await sending.then(
    () => assert.fail('send resolved, expected a delivery error'),
    (rejection: unknown) => rejection,
  );
  assert.ok(error instanceof TirelessError, `not a TirelessError: ${describeError(error)}`);
  assert.equal(error.code, 'TIRELESS_DELIVERY');
  assert.ok(error.message.startsWith(`${type}: `), error.message);
  return error;
}

function assertNoLeak(error: TirelessError, leaks: readonly string[]): void {
  const printed = causeChain(error).map(describeError).join('\n');
  for (const leak of leaks) assert.ok(!printed.includes(leak), `"${leak}" leaked: ${printed}`);
}

function conformanceSuite(type: ChannelType, notifier: Notifier, fixture: NotifierFixture): void {
  let peer: Peer;
  let input: Record<string, unknown>;
  let config: unknown;
  let leaks: string[];
  const send = (timeoutMs?: number, signal?: AbortSignal) =>
    notifier.send(SAMPLES.down, config, testContext(timeoutMs, signal));

  before(async () => {
    peer = await startPeer(fixture);
    input = fixture.config(peer.address);
    config = notifier.config.parse(input);
    leaks = secretsOf(type, input).flatMap(sensitiveParts);
  });
  after(() => peer.close());
  beforeEach(() => peer.accept());

  void it('is registered under its own type', () => {
    assert.equal(notifier.type, type);
  });

  void it('names string (or string map) secret fields, which the fixture sets all of', () => {
    assert.ok(notifier.secretFields.length > 0);
    for (const field of notifier.secretFields) {
      // Sealing at rest and masking in the API work on strings and on maps of strings.
      const value = input[field];
      const strings = typeof value === 'object' && value !== null ? Object.values(value) : [value];
      assert.ok(strings.length > 0, `${field} must be set`);
      for (const string of strings) assert.equal(typeof string, 'string', `${field} holds strings`);
    }
  });

  void it('rejects unknown config fields', () => {
    const parsed = notifier.config.safeParse({ ...input, surprise: true });
    assert.equal(parsed.success, false);
    assert.ok(parsed.error?.issues.some((issue) => issue.code === 'unrecognized_keys'));
  });

  void it('rejects a bad value, naming the field', () => {
    const parsed = notifier.config.safeParse({ ...input, ...fixture.invalid.change });
    assert.equal(parsed.success, false);
    const paths = parsed.error?.issues.map((issue) => issue.path.join('.'));
    assert.ok(paths?.includes(fixture.invalid.field), `issue paths: ${String(paths)}`);
  });

  void it('names each missing required field', () => {
    for (const field of Object.keys(input)) {
      const rest = { ...input };
      delete rest[field];
      const parsed = notifier.config.safeParse(rest);
      if (parsed.success) continue; // optional or defaulted
      const paths = parsed.error.issues.map((issue) => issue.path.join('.'));
      assert.ok(paths.includes(field), `without ${field}: issue paths ${String(paths)}`);
    }
  });

  void it('resolves once the service accepted the message', async () => {
    const before = peer.accepted();
    await send();
    assert.equal(peer.accepted(), before + 1);
  });

  void it('maps refusals to retryable or not, quoting the code but no secret', async () => {
    for (const failure of peer.failures) {
      peer.refuse(failure, leaks);
      const error = await deliveryFailure(type, send());
      assert.equal(error.retryable, failure.retryable, `${failure.code}: ${error.message}`);
      assert.match(error.message, new RegExp(`\\b${failure.code}\\b`));
      assert.match(error.message, /refused/, 'quotes the reply');
      assertNoLeak(error, leaks);
    }
    assert.ok(peer.quotedLeaks() > 0, 'the refusals quoted a secret');
  });

  void it('quotes the code but nothing of the reply under the address guard', async () => {
    // The guard lets the local peer through: what is left to check is the quoting.
    const guarded = { ...testContext(), addressGuard: refusing('127.0.0.2') };
    for (const failure of peer.failures) {
      peer.refuse(failure, leaks);
      const error = await deliveryFailure(type, notifier.send(SAMPLES.down, config, guarded));
      assert.equal(error.retryable, failure.retryable, `${failure.code}: ${error.message}`);
      assert.match(error.message, new RegExp(`\\b${failure.code}\\b`));
      assert.doesNotMatch(error.message, /refused|you sent/, 'quotes nothing of the reply');
    }
  });

  void it('gives up with a retryable timeout when no reply comes', async () => {
    peer.hang();
    const started = performance.now();
    const error = await peer.unanswered(() => deliveryFailure(type, send(300)));
    assert.ok(performance.now() - started < 1300, 'settles soon after the timeout');
    assert.equal(error.retryable, true);
    assert.match(error.message, /timeout/);
    assertNoLeak(error, leaks);
  });

  void it('stops, retryable, when the caller aborts', async () => {
    peer.hang();
    const controller = new AbortController();
    let abortedAt = Number.NaN;
    const error = await peer.unanswered((held) => {
      // Aborted once the peer holds the request: under load it may take 50 ms to get there.
      void held.then(() => {
        abortedAt = performance.now();
        controller.abort();
      });
      return deliveryFailure(type, send(10_000, controller.signal));
    });
    assert.ok(performance.now() - abortedAt < 1000, 'settles soon after the abort');
    assert.equal(error.retryable, true);
    assert.match(error.message, /abort/);
  });

  void it('refuses for good an address the guard rejects, sending nothing', async () => {
    const before = peer.accepted();
    const guarded = { ...testContext(), addressGuard: refusing(peer.address.host) };
    const error = await deliveryFailure(type, notifier.send(SAMPLES.down, config, guarded));
    assert.equal(error.retryable, false);
    assert.match(error.message, /address refused: address 127\.0\.0\.1 is not allowed/);
    assertNoLeak(error, leaks);
    assert.equal(peer.accepted(), before);
  });

  void it('refuses a name that resolves to an address the guard rejects', async () => {
    const named = notifier.config.parse(fixture.config(byName(peer.address)));
    const guarded = { ...testContext(), addressGuard: refusing('127.0.0.1', '::1') };
    const error = await deliveryFailure(type, notifier.send(SAMPLES.down, named, guarded));
    assert.equal(error.retryable, false);
    assert.match(error.message, /address refused: \S+ resolves to a private or reserved address/);
    assert.doesNotMatch(error.message, /127\.0\.0\.1|::1/);
  });

  void it('delivers through the guard to a name it allows', async () => {
    const before = peer.accepted();
    const named = notifier.config.parse(fixture.config(byName(peer.address)));
    await notifier.send(SAMPLES.down, named, {
      ...testContext(),
      addressGuard: refusing('127.0.0.2'),
    });
    assert.equal(peer.accepted(), before + 1);
  });

  void it('is retryable when nothing listens', async () => {
    const gone = await startPeer(fixture);
    await gone.close();
    const unreachable = notifier.config.parse(fixture.config(gone.address));
    const error = await deliveryFailure(
      type,
      notifier.send(SAMPLES.down, unreachable, testContext()),
    );
    assert.equal(error.retryable, true);
    assert.match(error.message, /ECONNREFUSED/);
    assertNoLeak(error, leaks);
  });
}

// Notifiers run side by side, each with its own receiver; one notifier's cases share that
// receiver's state, so they run one after another.
void describe('notifier conformance', { concurrency: true }, () => {
  for (const [type, notifier] of Object.entries(notifiers) as [ChannelType, Notifier][]) {
    void describe(type, { concurrency: 1 }, () => conformanceSuite(type, notifier, FIXTURES[type]));
  }
});
