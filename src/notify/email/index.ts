import { connect, type Socket } from 'node:net';
import { z } from 'zod';
import { describeError } from '../../errors/index.js';
import { lookupFor, type AddressGuard } from '../../net-guard/index.js';
import { Deadline } from '../../deadline/index.js';
import { deliveryError, interruptionText, refusedError, secretValues } from '../send-errors.js';
import { deliveryKey } from '../keys.js';
import { requiredText } from '../schema.js';
import type { Notification, Notifier, SendContext } from '../types.js';

/** nodemailer error codes for problems a retry cannot fix (credentials, addresses). */
const PERMANENT_CODES = new Set(['EAUTH', 'ENOAUTH', 'EENVELOPE', 'EMESSAGE', 'ECONFIG']);

/** nodemailer error codes whose messages are Node's (connection, TLS, DNS), not the server's. */
const NETWORK_CODES = new Set(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'EDNS']);

const emailAddress = (field: string) => z.email({ error: `${field} must be an email address` });

/**
 * Email over SMTP. Subject is the title, the plain-text body is the text.
 * - `host`: the SMTP server.
 * - `port`: default 587.
 * - `secure`: default false; true for implicit TLS (usually port 465). When false, STARTTLS
 *   is used if the server offers it.
 * - `requireTls` (optional): refuse to send unless STARTTLS succeeds.
 * - `username`, `password` (secret): both or neither.
 * - `from`: the sender address; `to`: one or more recipient addresses.
 * - `ignoreTlsErrors`: default false; true accepts self-signed or expired certificates.
 */
const emailConfig = z
  .object({
    host: requiredText('host'),
    port: z
      .number({ error: 'port must be a number' })
      .int('port must be a whole number')
      .min(1, 'port must be from 1 to 65535')
      .max(65535, 'port must be from 1 to 65535')
      .default(587),
    secure: z.boolean({ error: 'secure must be true or false' }).default(false),
    requireTls: z.boolean({ error: 'requireTls must be true or false' }).optional(),
    username: requiredText('username').optional(),
    password: requiredText('password').optional(),
    from: emailAddress('from'),
    to: z
      .array(emailAddress('each of to'), { error: 'to must be a list of email addresses' })
      .min(1, 'to must name at least one recipient'),
    ignoreTlsErrors: z.boolean({ error: 'ignoreTlsErrors must be true or false' }).default(false),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.username !== undefined && config.password === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['password'],
        message: 'password is required with username',
      });
    }
    if (config.password !== undefined && config.username === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['username'],
        message: 'username is required with password',
      });
    }
  });

export type EmailConfig = z.infer<typeof emailConfig>;

/** An SMTP server and the sender: an email channel's config but its recipients. */
export type SmtpServer = Omit<EmailConfig, 'to'>;

/** One plain-text mail. */
export interface Mail {
  to: string[];
  subject: string;
  text: string;
  messageId?: string;
  headers?: Record<string, string>;
}

const SECRET_FIELDS = ['password'];

export const email: Notifier<EmailConfig> = {
  type: 'email',
  config: emailConfig,
  secretFields: SECRET_FIELDS,
  send: (notification, config, ctx) => sendMail(config, message(notification, config), ctx),
};

/**
 * Sends `mail` through `server` within `ctx.timeoutMs`; a TirelessError TIRELESS_DELIVERY
 * otherwise, its message saying why in words (the password never in it).
 */
export async function sendMail(server: SmtpServer, mail: Mail, ctx: SendContext): Promise<void> {
  // Loaded with the first mail, not at start: a node that sends none keeps ~3 MB less.
  const { createTransport } = await import('nodemailer');
  const attempt = new Deadline(ctx.timeoutMs, ctx.signal);
  const transport = createTransport(smtpOptions(server, ctx, attempt.signal));
  try {
    await transport.sendMail({ from: server.from, ...mail, signal: attempt.signal });
  } catch (error) {
    const secrets = secretValues(server, SECRET_FIELDS);
    const quote = ctx.addressGuard === undefined;
    throw refusedError('email', error, secrets) ?? smtpError(error, attempt, secrets, quote);
  } finally {
    attempt.end();
    transport.close();
  }
}

function smtpOptions(config: SmtpServer, ctx: SendContext, signal: AbortSignal) {
  return {
    host: config.host,
    port: config.port,
    secure: config.secure,
    requireTLS: config.requireTls,
    auth:
      config.username === undefined ? undefined : { user: config.username, pass: config.password },
    tls: { rejectUnauthorized: !config.ignoreTlsErrors },
    // The attempt's signal is the real limit; these only keep a stalled socket from lingering.
    connectionTimeout: ctx.timeoutMs,
    greetingTimeout: ctx.timeoutMs,
    socketTimeout: ctx.timeoutMs,
    // nodemailer resolves names itself and takes no socket `lookup`, so under a guard the
    // connection is opened here and handed over (its way for proxies).
    getSocket: ctx.addressGuard && guardedSocket(config, ctx.addressGuard, signal),
  };
}

type SocketCallback = (error: Error | null, socketOptions?: { connection: Socket }) => void;

/** nodemailer's getSocket: a TCP connection to the SMTP server whose addresses `guard` vets. */
function guardedSocket(config: SmtpServer, guard: AddressGuard, signal: AbortSignal) {
  return (_options: unknown, callback: SocketCallback): void => {
    let socket: Socket;
    try {
      const lookup = lookupFor(config.host, guard);
      socket = connect({ host: config.host, port: config.port, lookup, signal });
    } catch (error) {
      callback(error as Error);
      return;
    }
    const onError = (error: Error): void => callback(error);
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      callback(null, { connection: socket });
    });
  };
}

function message(notification: Notification, config: EmailConfig): Mail {
  const domain = config.from.slice(config.from.lastIndexOf('@') + 1);
  return {
    to: config.to,
    subject: notification.title,
    text: notification.text,
    // The same id on every retry lets mail systems that deduplicate show the alert once.
    messageId: `<${deliveryKey(notification, ...config.to)}@${domain}>`,
    // RFC 3834: keeps vacation responders from answering alerts.
    headers: { 'Auto-Submitted': 'auto-generated' },
  };
}

/**
 * SMTP replies decide first (4xx retry, 5xx not); without one, the nodemailer code does.
 * `quote`: the message may carry the server's own words (not under the SSRF guard, where a
 * shared service relays nothing a server said, e.g. the banner of whatever listens there).
 */
function smtpError(error: unknown, attempt: Deadline, secrets: readonly string[], quote: boolean) {
  const { code, responseCode } = error as { code?: unknown; responseCode?: unknown };
  const interruption = interruptionText(attempt);
  if (interruption !== undefined) {
    return deliveryError('email', interruption, { retryable: true, secrets, cause: error });
  }
  const ownWords = typeof code === 'string' && NETWORK_CODES.has(code);
  const described = quote || ownWords ? describeError(error) : smtpCodes(code, responseCode);
  const reason = code === 'ETIMEDOUT' ? `timeout: ${described}` : described;
  const retryable =
    typeof responseCode === 'number'
      ? responseCode < 500 || responseCode === 503
      : !(typeof code === 'string' && PERMANENT_CODES.has(code));
  return deliveryError('email', reason, { retryable, secrets, cause: error });
}

/** What went wrong in codes only: "SMTP reply 535 (EAUTH)". */
function smtpCodes(code: unknown, responseCode: unknown): string {
  const reply = typeof responseCode === 'number' ? `SMTP reply ${responseCode}` : 'SMTP failure';
  return typeof code === 'string' ? `${reply} (${code})` : reply;
}
