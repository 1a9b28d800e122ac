// Type-checked linting; import restrictions enforce the package boundaries of DESIGN.md.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import svelte from 'eslint-plugin-svelte'
import globals from 'globals'

const boundary = (allowed) => {
  const all = ['shared', 'hardware', 'central-api', 'kiosk-agent', 'kiosk-ui', 'tests']
  const denied = all.filter((p) => !allowed.includes(p))
  return {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          { group: denied.map((p) => `@gridtill/${p}`), message: 'Package boundary (DESIGN.md): this package may not import that one.' },
          { group: ['@gridtill/*/*'], message: 'Import a package through its entry point, not its internals.' },
        ],
      },
    ],
  }
}

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/dist-types/**', 'data/**', 'test-results/**', '**/*.svelte', '**/*.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['vitest.config.ts'] }, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
    },
  },
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
  { files: ['shared/src/**/*.ts'], rules: boundary([]) },
  { files: ['hardware/src/**/*.ts'], rules: boundary(['shared']) },
  { files: ['central-api/src/**/*.ts'], rules: boundary(['shared']) },
  { files: ['kiosk-agent/src/**/*.ts'], rules: boundary(['shared', 'hardware']) },
  { files: ['kiosk-ui/src/**/*.ts'], rules: boundary(['shared']), languageOptions: { globals: { ...globals.browser } } },
  {
    files: ['**/*.test.ts', 'tests/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
)
