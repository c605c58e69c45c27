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
      // Dependencies point one way: leaves (errors, telemetry, cache, compress, http-pool, embed-batch) know nothing
      // above them; the memory contract builds on leaves; a backend (storage-chroma) and the agent build on the
      // contract, and the agent never on a backend; only the app composes everything.
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          allow: [],
          depConstraints: [
            { sourceTag: 'scope:leaf', onlyDependOnLibsWithTags: ['scope:leaf'] },
            { sourceTag: 'scope:contract', onlyDependOnLibsWithTags: ['scope:leaf'] },
            { sourceTag: 'scope:backend', onlyDependOnLibsWithTags: ['scope:leaf', 'scope:contract'] },
            { sourceTag: 'scope:agent', onlyDependOnLibsWithTags: ['scope:leaf', 'scope:contract'] },
            { sourceTag: 'scope:app', onlyDependOnLibsWithTags: ['scope:leaf', 'scope:contract', 'scope:backend', 'scope:agent'] },
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
