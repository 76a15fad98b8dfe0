// Prints the Pothos schema to the checked-in schema.graphql (`npm run schema:print`).
import fs from 'node:fs';
import { printSchemaFile, SCHEMA_FILE } from '../src/schema/print.js';

fs.writeFileSync(SCHEMA_FILE, printSchemaFile());
console.log(`wrote ${SCHEMA_FILE}`);
