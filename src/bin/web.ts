// `entrypoint.sh web`: the recipient frontend under the production server runtime (primary + workers).
import { buildFrontend } from '../frontend/app.js';
import { loadFrontendConfig } from '../frontend/config.js';
import { metricsPlugin, observeUpstream } from '../server/metrics.js';
import { runServer } from '../server/run.js';

await runServer({
  name: 'document-download-frontend',
  loadConfig: loadFrontendConfig,
  async build(config, { logger }) {
    const app = await buildFrontend(config, { logger, observeUpstream });
    await app.register(metricsPlugin);
    await app.ready();
    return app;
  },
});
