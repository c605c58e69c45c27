import nx from '@nx/eslint-plugin';

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: ['**/dist', '**/out-tsc', '**/node_modules', 'tmp', '.nx'],
  },
  {
    files: ['**/*.ts'],
    rules: {
      // Leaves (cache, compress, http-pool, telemetry) never import the agent or the app.
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          allow: [],
          depConstraints: [
            { sourceTag: 'scope:leaf', onlyDependOnLibsWithTags: ['scope:leaf'] },
            { sourceTag: 'scope:core', onlyDependOnLibsWithTags: ['scope:leaf', 'scope:core'] },
            { sourceTag: 'scope:app', onlyDependOnLibsWithTags: ['scope:leaf', 'scope:core'] },
          ],
        },
      ],
      // Index access after a length or has() check is routine here; `!` states it.
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
];
