// `entrypoint.sh api`: the document API under the production server runtime (primary + workers).
import { buildApi } from '../api/app.js';
import { loadApiConfig } from '../api/config.js';
import { metricsPlugin } from '../server/metrics.js';
import { runServer } from '../server/run.js';
import { storeFromConfig } from '../system.js';

await runServer({
  name: 'document-download-api',
  loadConfig: loadApiConfig,
  async build(config, { logger }) {
    return buildApi(config, { logger, store: storeFromConfig(config), plugins: [metricsPlugin] });
  },
});
