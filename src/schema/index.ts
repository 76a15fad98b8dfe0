// One file per domain registers its types on the builder; importing them here
// is what puts them in the schema.
import { builder } from './builder.js';
import './user.js';
import './auth.js';
import './enums.js';
import './slots.js';
import './bookings.js';
import './interviews.js';
import './waiting-room.js';
import './events.js';
import './session.js';
import './chat.js';
import './presence.js';
import './instant-interviews.js';
import './system.js';
import './questions.js';
import './code-pad.js';
import './reports.js';
import './maintenance.js';
import './profile.js';
import './dev-outbox.js';

export const schema = builder.toSchema({ sortSchema: true });
