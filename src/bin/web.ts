// `entrypoint.sh web`: the recipient frontend under the production server runtime (primary + workers).
// The app is imported in the workers only (dynamically): the primary reads the configuration and forks.
import { loadFrontendConfig } from '../frontend/config.js';
import { runServer } from '../server/run.js';

await runServer({
  name: 'document-download-frontend',
  loadConfig: loadFrontendConfig,
  async build(config, { logger }) {
    const [{ buildFrontend }, { metricsPlugin, observeUpstream }] = await Promise.all([
      import('../frontend/app.js'),
      import('../server/metrics.js'),
    ]);
    const app = await buildFrontend(config, { logger, observeUpstream });
    await app.register(metricsPlugin);
    await app.ready();
    return app;
  },
});
