/**
 * What the API's file downloads share (the config export, a monitor's results as CSV): the
 * header that makes a browser save the answer as a file, and CSV records.
 */

/**
 * A `Content-Disposition` that saves the answer as `name`, cut down to letters, digits, `.`,
 * `_` and `-` (an account's or a monitor's name may hold anything; a header must not).
 */
export function attachment(name: string): string {
  return `attachment; filename="${name.replace(/[^A-Za-z0-9._-]+/g, '-')}"`;
}

/** `text` as a file name's part: lower case, runs of other characters as one `-`; '' for none. */
export function fileSlug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
}

/** A text a spreadsheet would run as a formula when it starts so (OWASP "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV record (RFC 4180), CRLF-ended: a field with a comma, a quote or a line break is
 * quoted, its quotes doubled. A text that a spreadsheet would take for a formula gets a `'`
 * in front (an error text may quote what a checked server answered).
 */
export function csvRecord(fields: readonly (string | number)[]): string {
  return (
    fields
      .map((field) => {
        if (typeof field === 'number') return String(field);
        const text = FORMULA_START.test(field) ? `'${field}` : field;
        return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
      })
      .join(',') + '\r\n'
  );
}
