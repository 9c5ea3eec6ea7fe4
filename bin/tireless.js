#!/usr/bin/env node
// The published entry point: the CLI lives in the compiled dist/ tree.
import('../dist/cli/main.js').catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
