// One file per domain registers its types on the builder; importing them here
// is what puts them in the schema.
import { builder } from './builder.js';
import './user.js';
import './auth.js';

export const schema = builder.toSchema({ sortSchema: true });
