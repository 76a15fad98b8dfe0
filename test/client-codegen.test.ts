// client/generated is committed for frontends: it must be what codegen makes
// from schema.graphql and client/operations now, and the operations must cover
// every root field of the API.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { Kind, OperationTypeNode, parse } from 'graphql';
import { schema } from '../src/schema/index.js';

it('client/generated is up to date (run `npm run codegen`)', async () => {
  // In a child process: codegen's presets are loaded with require(), which jest's ESM mode refuses.
  const script = `
    import { generate } from '@graphql-codegen/cli';
    import config, { clientOutputs } from './codegen.ts';
    const outputs = await generate({ ...config, generates: clientOutputs, silent: true }, false);
    process.stdout.write(JSON.stringify(outputs.map(({ filename, content }) => ({ filename, content }))));
  `;
  const stdout = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const outputs = JSON.parse(stdout) as { filename: string; content: string }[];
  expect(outputs.length).toBeGreaterThanOrEqual(4);
  for (const { filename, content } of outputs) {
    const file = path.resolve(filename);
    expect(fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : `${filename} is missing`).toBe(content);
  }
});

it('client/operations has a document for every query, mutation and subscription field', () => {
  const dir = path.resolve('client/operations');
  const used = new Set<string>();
  for (const name of fs.readdirSync(dir).filter((f) => f.endsWith('.graphql'))) {
    for (const def of parse(fs.readFileSync(path.join(dir, name), 'utf8')).definitions) {
      if (def.kind !== Kind.OPERATION_DEFINITION) continue;
      const root =
        def.operation === OperationTypeNode.QUERY
          ? 'Query'
          : def.operation === OperationTypeNode.MUTATION
            ? 'Mutation'
            : 'Subscription';
      for (const sel of def.selectionSet.selections) if (sel.kind === Kind.FIELD) used.add(`${root}.${sel.name.value}`);
    }
  }
  const all = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].flatMap((type) =>
    Object.keys(type!.getFields()).map((field) => `${type!.name}.${field}`),
  );
  expect(all.filter((f) => !used.has(f))).toEqual([]);
});
