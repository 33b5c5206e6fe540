// Flat config: recommended JS + TypeScript rules; domain code must not use `any`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // runs/ is git-ignored scratch: training runs and the bench's extracted baseline sources (bench/model.bench.ts).
  { ignores: ['dist/**', 'node_modules/**', 'models/**', 'coverage/**', 'runs/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // Plain JavaScript that Node runs directly (entry point, workers started without tsx, install scripts).
    files: ['bin/**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', WebAssembly: 'readonly', URL: 'readonly' } },
  },
);
