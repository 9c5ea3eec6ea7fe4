import assert from 'node:assert/strict';

/**
 * The records of a CSV text, parsed strictly by RFC 4180 (CRLF between records; a quoted
 * field's quotes doubled; a quote anywhere else is an error).
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let at = 0;
  while (at < text.length) {
    let field = '';
    if (text[at] === '"') {
      for (at++; ; at++) {
        assert.ok(at < text.length, 'a quoted field ends');
        if (text[at] === '"') {
          if (text[at + 1] !== '"') break;
          at++;
        }
        field += text[at];
      }
      at++;
    } else {
      while (at < text.length && text[at] !== ',' && text[at] !== '\r' && text[at] !== '\n') {
        assert.notEqual(text[at], '"', `a quote inside an unquoted field at ${at}`);
        field += text[at++];
      }
    }
    record.push(field);
    if (text[at] === ',') at++;
    else {
      assert.equal(text.slice(at, at + 2), '\r\n', `a record ends with CRLF at ${at}`);
      at += 2;
      records.push(record);
      record = [];
    }
  }
  return records;
}
