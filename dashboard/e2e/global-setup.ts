import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, startDashboard, startGateway } from './support/servers';

/**
 * Starts the real gateway (embedded mode: PGlite + in-memory limiter + demo upstream, in a throwaway
 * DATA_DIR) and the real dashboard (`next start` on an existing build), wired to each other on free
 * ports. Builds nothing. Returns the teardown that stops both.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const [gatewayPort, dashboardPort] = [await freePort(), await freePort()];
  const dataDir = mkdtempSync(path.join(tmpdir(), 'gateway-e2e-'));
  const dashboardOrigin = `http://localhost:${dashboardPort}`;

  const gateway = await startGateway({ port: gatewayPort, dataDir, dashboardOrigin });
  const dashboard = await startDashboard({ port: dashboardPort, gatewayUrl: gateway.url }).catch(async (error) => {
    await gateway.stop();
    throw error;
  });

  // Workers inherit the runner's environment: this is how the tests learn the URLs.
  process.env.E2E_GATEWAY_URL = gateway.url;
  process.env.E2E_DASHBOARD_URL = dashboard.url;

  return async () => {
    await Promise.all([dashboard.stop(), gateway.stop()]);
    rmSync(dataDir, { recursive: true, force: true });
  };
}
