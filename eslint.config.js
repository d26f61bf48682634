import neostandard from 'neostandard'

// The Fastify ecosystem's own style (neostandard), with TypeScript and a 120-character line.
export default [
  ...neostandard({ ts: true, ignores: ['connector/**', 'openapi/**', 'data/**', '.tap/**', 'coverage/**', 'dist/**'] }),
  {
    rules: {
      '@stylistic/max-len': ['error', { code: 120, ignoreUrls: true, ignoreRegExpLiterals: true }],
      // `void promise` marks a deliberate fire-and-forget call; as an expression it stays forbidden.
      'no-void': ['error', { allowAsStatement: true }],
      // TypeBox's idiom declares a schema and its Static<> type under one name; tsc checks real redeclarations.
      '@typescript-eslint/no-redeclare': 'off',
    },
  },
]
