// Type-aware lint: catches promises nobody awaits or handles (a lost rejection is a
// lost deletion or a crashed process), values awaited that are not promises, and
// `any` flowing into typed code. Formatting is not checked here; a formatter owns that.
// No --cache: ESLint caches per file, so a change in one file's types would leave
// another file's cached verdict stale (typescript-eslint issue #4694).
import js from '@eslint/js'
import { defineConfig } from 'eslint/config'
import tseslint from 'typescript-eslint'

export default defineConfig(
  { ignores: ['node_modules/', 'dist/', 'coverage/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // An async function without await still turns a throw into a rejection, which callers of Promise-returning interfaces rely on.
      '@typescript-eslint/require-await': 'off',
      // A leading underscore names what is left out on purpose (a rest sibling, an unused parameter of an interface).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Vitest types its asymmetric matchers (expect.stringMatching, expect.objectContaining, ...) as `any`.
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
  {
    // Plain JavaScript files (this config, scripts/setup.mjs) are outside tsconfig.json.
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { console: 'readonly', process: 'readonly' } },
  },
)
