// `entrypoint.sh api`: the document API under the production server runtime (primary + workers).
// The app is imported in the workers only (dynamically): the primary reads the configuration and forks.
import { loadApiConfig } from '../api/config.js';
import { runServer } from '../server/run.js';

await runServer({
  name: 'document-download-api',
  loadConfig: loadApiConfig,
  async build(config, { logger }) {
    const [{ buildApi }, { metricsPlugin }, { openStore }] = await Promise.all([
      import('../api/app.js'),
      import('../server/metrics.js'),
      import('../api/store/open-store.js'),
    ]);
    return buildApi(config, { logger, store: await openStore(config.store), plugins: [metricsPlugin] });
  },
});
