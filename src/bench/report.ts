/** What a scenario reports, and how it is printed. */

/** A table as printed and as written to bench/results.json. */
export interface Table {
  title: string;
  columns: string[];
  rows: (string | number)[][];
  /** Lines printed under the table: method, caveats. */
  notes?: string[];
}

/** One scenario's outcome: its tables, and the raw figures for results.json. */
export interface ScenarioReport {
  name: string;
  tables: Table[];
  /** Seconds the scenario took, wall clock. */
  seconds?: number;
  data: Record<string, unknown>;
}

/** A number shown with `digits` decimals and thousands separators; '–' for NaN. */
export function fmt(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return '–';
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** Bytes as MB (10^6), one decimal. */
export function megabytes(bytes: number): string {
  return fmt(bytes / 1e6, 1);
}

/** A table as fixed-width text (also valid Markdown). */
export function renderTable(table: Table): string {
  const cells = [table.columns, ...table.rows.map((row) => row.map(String))];
  const widths = table.columns.map((_, i) => Math.max(...cells.map((row) => row[i]?.length ?? 0)));
  const line = (row: string[]) =>
    `| ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const rule = `| ${widths.map((w) => '-'.repeat(Math.max(3, w))).join(' | ')} |`;
  const body = [line(table.columns), rule, ...cells.slice(1).map(line)];
  const notes = (table.notes ?? []).map((note) => `- ${note}`);
  return [`### ${table.title}`, '', ...body, ...(notes.length ? ['', ...notes] : [])].join('\n');
}
