// Child process: one MockMate API instance (src/app.ts, exactly what
// `npm start` runs) configured from its environment, on 127.0.0.1 and a free
// port. Tells the parent its port over IPC; `stop` runs app.stop().
import { buildApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { announceFatal, announceReady, serveParent } from './support.js';

let app: App | undefined;
serveParent({}, async () => {
  await app?.stop();
});

try {
  app = await buildApp(loadConfig(process.env));
  const port = await app.start(0);
  announceReady({ port });
} catch (err) {
  announceFatal(err);
}
