import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/**', 'tireless-data/**', 'artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['it', 'test', 'describe', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Fences: another capability is reached only through its index.ts.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              // checks/runners.js is the checks' second surface: what a check thread loads (no zod).
              // src/catalog is the one file of words, which the app (web/) bundles too.
              regex:
                '^(\\.\\./)+(?!checks/runners\\.js$|src/catalog(/index\\.ts)?$)[^./][^/]*/(?!index\\.js$)',
              message: 'Import another folder through its index.js, not its internals.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { console: 'readonly', process: 'readonly' } },
  },
);
