// `entrypoint.sh antivirus`: Notify's antivirus API on clamd, under the production server runtime.
import { loadAntivirusConfig } from '../antivirus/config.js';
import { runServer } from '../server/run.js';

await runServer({
  name: 'document-download-antivirus',
  loadConfig: loadAntivirusConfig,
  async build(config, { logger }) {
    const [{ buildAntivirus }, { metricsPlugin }] = await Promise.all([
      import('../antivirus/app.js'),
      import('../server/metrics.js'),
    ]);
    return buildAntivirus(config, { logger, plugins: [metricsPlugin] });
  },
});
