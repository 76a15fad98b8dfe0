// Typed documents: test/generated/ for the operations the tests and bench
// scripts send (git-ignored), client/generated/ for the frontend documents in
// client/operations (committed; test/client-codegen.test.ts checks it is current).
import type { CodegenConfig } from '@graphql-codegen/cli';

const typedDocuments = {
  emitLegacyCommonJSImports: false,
  useTypeImports: true,
  scalars: { DateTime: 'string', JSON: 'unknown', ID: 'string' },
  enumsAsTypes: true,
};

/** The committed output for frontends, also run in memory by the up-to-date test. */
export const clientOutputs: CodegenConfig['generates'] = {
  'client/generated/': {
    documents: ['client/operations/**/*.graphql'],
    preset: 'client',
    presetConfig: { fragmentMasking: false },
    config: typedDocuments,
  },
  // Union members for normalized caches (Apollo's `possibleTypes`, Graphcache's schema awareness).
  'client/generated/possible-types.ts': {
    plugins: ['fragment-matcher'],
    config: { useExplicitTyping: true },
  },
};

const config: CodegenConfig = {
  schema: 'schema.graphql',
  ignoreNoDocuments: true,
  generates: {
    'test/generated/': {
      documents: ['test/**/*.ts', 'bench/**/*.ts', '!test/generated/**'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: typedDocuments,
    },
    ...clientOutputs,
  },
};

export default config;
