import type { Logger } from '../common/logging.js';
import type { WorkerPool } from './worker-pool.js';

/**
 * SIGHUP: replaces every worker one at a time, each old one retired only once its replacement listens, so the
 * port never has fewer workers than usual. A second SIGHUP during a restart is ignored.
 */
export class RollingRestart {
  private rolling = false;

  constructor(
    private readonly pool: Pick<WorkerPool, 'stopping' | 'all' | 'has' | 'fork' | 'waitListening' | 'retire'>,
    private readonly log: Logger,
  ) {}

  async run(): Promise<void> {
    if (this.rolling || this.pool.stopping) return;
    this.rolling = true;
    const old = [...this.pool.all()].filter((w) => !w.retiring);
    this.log.info(
      { event: 'rolling_restart', workers: old.length },
      `replacing ${old.length} workers one at a time`,
    );
    for (const worker of old) {
      if (this.pool.stopping) break;
      const fresh = this.pool.fork();
      if (!(await this.pool.waitListening(fresh))) continue;
      if (this.pool.has(worker.process.id)) await this.pool.retire(worker);
    }
    this.rolling = false;
    if (!this.pool.stopping) this.log.info({ event: 'rolling_restart_done' }, 'rolling restart finished');
  }
}
