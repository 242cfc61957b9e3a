// Lint rules for the whole suite: the strict type-checked rules of
// typescript-eslint (floating promises, exhaustive switches, unsafe `any`,
// conditions that are always true...). `npm run lint` runs this and the
// formatter check, and `npm test` runs `npm run lint`, so CI enforces both.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // Numbers and booleans read naturally in messages; objects and
      // nullish values in a template are still refused.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // The compiler runs with noUncheckedIndexedAccess: an index proven in
      // range by the surrounding code is asserted with `!`.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // `() => void call()` style callbacks are idiomatic for handlers.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // Sanitising terminal input and hostile strings means matching control
      // characters on purpose.
      'no-control-regex': 'off',
      // Store methods implement an async interface: `async` turns a
      // synchronous throw (SQLite) into the rejection callers handle.
      '@typescript-eslint/require-await': 'off',
      // Terminal text is measured in code points on purpose (textWidth).
      '@typescript-eslint/no-misused-spread': ['error', { allow: ['string'] }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests read JSON answers from real processes and assert their shape.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
);
