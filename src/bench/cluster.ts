import type { Scenario } from './context.js';

/** Scenario 6: the cluster does not exist yet; nothing is measured, nothing is faked. */
export const clusterScenario: Scenario = {
  name: 'cluster',
  run: () => {
    console.log('cluster: not yet (cluster issue)');
    return Promise.resolve({
      name: 'cluster',
      tables: [],
      data: { status: 'not yet (cluster issue)' },
    });
  },
};
