import type { CreateRouteRequest, Route } from '@gateway/shared';
import type { TestGateway } from './gateway.js';

/** Creates a route through the management API as the bootstrap admin. */
export async function createRoute(gw: TestGateway, body: CreateRouteRequest): Promise<Route> {
  const res = await gw.admin('/routes', { method: 'POST', body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(`POST /routes → ${res.status}: ${await res.text()}`);
  return (await res.json()) as Route;
}

/** Changes a route through the management API as the bootstrap admin. */
export async function updateRoute(gw: TestGateway, id: string, body: Partial<CreateRouteRequest>): Promise<Route> {
  const res = await gw.admin(`/routes/${id}`, { method: 'PATCH', body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`PATCH /routes/${id} → ${res.status}: ${await res.text()}`);
  return (await res.json()) as Route;
}
