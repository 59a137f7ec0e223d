import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

export default tseslint.config(
  { ignores: ['dist/**', 'dist.*/**', 'node_modules/**', '.tumnus/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
      'no-empty': ['error', { allowEmptyCatch: false }],
      'no-console': 'error',
    },
  },
  {
    // The SDK is what senders and responders import: it must never pull in the runtime.
    files: ['sdk/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/runtime/**', 'tumnus/runtime'],
              message: 'sdk/ must not import runtime/',
            },
          ],
        },
      ],
    },
  },
  {
    // Only the store talks to MongoDB; everything else goes through it.
    files: ['sdk/**/*.ts', 'runtime/**/*.ts'],
    ignores: ['sdk/internal/store/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'mongodb', message: 'import MongoDB only inside sdk/internal/store/' }],
          patterns: [
            {
              group: ['**/runtime/**', 'tumnus/runtime'],
              message: 'sdk/ must not import runtime/',
            },
          ],
        },
      ],
    },
  },
  {
    // User-facing output of the CLI, examples, tests, benchmarks and scripts may print.
    files: ['runtime/cli/**', 'examples/**', 'test/**', 'bench/**', 'scripts/**'],
    rules: { 'no-console': 'off' },
  },
);
