import { useEffect, useState } from 'preact/hooks';
import { encode } from 'uqr';
import { call } from './api';
import { Field, FormProblems, formErrors, text, useSubmit, type FormErrors } from './form';
import { strings } from '../../src/catalog';

interface TotpStatus {
  enabled: boolean;
  pending: boolean;
  recoveryCodesLeft: number;
}

/** Modules of light margin around the code, as the QR standard asks. */
const QUIET = 4;

/**
 * `text` as a QR code: one SVG path of dark squares on a light square. Colours are attributes,
 * not styles (the CSP allows no inline style), and stay dark on light in either theme, as
 * scanners expect.
 */
function QrCode({ text: value, label }: { text: string; label: string }) {
  const { data, size } = encode(value, { ecc: 'M' });
  let path = '';
  data.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (dark) path += `M${x + QUIET} ${y + QUIET}h1v1h-1z`;
    }),
  );
  const side = size + 2 * QUIET;
  return (
    <svg
      class="qr"
      role="img"
      aria-label={label}
      viewBox={`0 0 ${side} ${side}`}
      width={side * 5}
      height={side * 5}
      shape-rendering="crispEdges"
    >
      <rect width={side} height={side} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}

/** The user's password, which turning two-factor login on or off needs. */
function PasswordField(props: { errors: FormErrors; hint?: string }) {
  return (
    <Field
      name="password"
      label={strings.fields.password}
      type="password"
      autocomplete="current-password"
      required
      {...props}
    />
  );
}

/**
 * Two-factor login: turn it on (the password, then the app's key as a QR code and as text,
 * then a code from the app; the recovery codes shown once); once on, one form of password and
 * code either makes new recovery codes or turns it off (one form: each field once on the page).
 */
export function TotpSection() {
  const s = strings.settings.totp;
  const [status, setStatus] = useState<TotpStatus | undefined>(undefined);
  const [problems, setProblems] = useState<FormErrors>({ fields: {}, other: [] });
  const [enrolment, setEnrolment] = useState<{ secret: string; uri: string } | undefined>();
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const load = async () => setStatus(await call<TotpStatus>('GET', '/api/v1/auth/totp'));
  useEffect(() => {
    load().catch((error: unknown) => setProblems(formErrors(error, [])));
  }, []);

  const start = useSubmit(['password'], async (data) => {
    setNotice(undefined);
    setRecoveryCodes(undefined);
    const body = { password: text(data, 'password') };
    setEnrolment(await call<{ secret: string; uri: string }>('POST', '/api/v1/auth/totp', body));
  });
  const confirm = useSubmit(['code'], async (data) => {
    const body = { code: text(data, 'code') };
    const done = await call<{ recoveryCodes: string[] }>('POST', '/api/v1/auth/totp/confirm', body);
    setEnrolment(undefined);
    setRecoveryCodes(done.recoveryCodes);
    await load();
  });
  const manage = useSubmit(['password', 'code'], async (data) => {
    setNotice(undefined);
    const body = { password: text(data, 'password'), code: text(data, 'code') };
    if (data.get('action') === 'regenerate') {
      const url = '/api/v1/auth/totp/recovery-codes';
      setRecoveryCodes((await call<{ recoveryCodes: string[] }>('POST', url, body)).recoveryCodes);
    } else {
      await call('POST', '/api/v1/auth/totp/disable', body);
      setRecoveryCodes(undefined);
      setNotice(s.disabled);
    }
    await load();
  });

  return (
    <section aria-labelledby="totp-title">
      <h2 id="totp-title">{s.title}</h2>
      <FormProblems errors={problems} />
      {notice && <p role="status">{notice}</p>}
      {status === undefined && <p>{strings.loading}</p>}
      {status && <p>{status.enabled ? s.on(status.recoveryCodesLeft) : s.off}</p>}
      {recoveryCodes && (
        <div role="status">
          <p>{s.recovery}</p>
          <ul class="recovery-codes" aria-label={s.recoveryLabel}>
            {recoveryCodes.map((code) => (
              <li key={code}>
                <code>{code}</code>
              </li>
            ))}
          </ul>
        </div>
      )}
      {status && !status.enabled && !enrolment && (
        <form onSubmit={start.onSubmit}>
          <FormProblems errors={start.errors} />
          <PasswordField errors={start.errors} hint={s.startHint} />
          <button type="submit" disabled={start.busy}>
            {s.start}
          </button>
        </form>
      )}
      {enrolment && (
        <>
          <p>{s.scan}</p>
          <QrCode text={enrolment.uri} label={s.qr} />
          <div class="field">
            <label for="totp-secret">{s.secret}</label>
            <input id="totp-secret" type="text" readOnly value={enrolment.secret} />
          </div>
          <div class="field">
            <label for="totp-uri">{s.uri}</label>
            <input id="totp-uri" type="text" readOnly value={enrolment.uri} />
          </div>
          <form onSubmit={confirm.onSubmit}>
            <FormProblems errors={confirm.errors} />
            <Field
              name="code"
              label={s.code}
              hint={s.codeHint}
              autocomplete="one-time-code"
              required
              errors={confirm.errors}
            />
            <button type="submit" disabled={confirm.busy}>
              {s.confirm}
            </button>
          </form>
        </>
      )}
      {status?.enabled && (
        <form onSubmit={manage.onSubmit}>
          <FormProblems errors={manage.errors} />
          <PasswordField errors={manage.errors} />
          <Field
            name="code"
            label={s.manageCode}
            hint={s.manageHint}
            autocomplete="one-time-code"
            required
            errors={manage.errors}
          />
          <button type="submit" name="action" value="regenerate" disabled={manage.busy}>
            {s.regenerate}
          </button>
          <button type="submit" name="action" value="disable" disabled={manage.busy}>
            {s.disable}
          </button>
        </form>
      )}
    </section>
  );
}
