/**
 * Prints the self-time summary of a .cpuprofile: `node dist/bench/profile-summary-main.js
 * <file.cpuprofile> [top]`.
 */
import { summarizeCpuProfileFile } from './cpu-profile.js';
import { profileTables } from './profile.js';
import { renderTable } from './report.js';

const [file, top] = process.argv.slice(2);
if (!file) {
  console.error('usage: node dist/bench/profile-summary-main.js <file.cpuprofile> [top]');
  process.exitCode = 2;
} else {
  const summary = summarizeCpuProfileFile(file, Number(top ?? 25));
  for (const table of profileTables(summary, undefined, undefined, true))
    console.log(`${renderTable(table)}\n`);
}
