import type { Express } from 'express';

interface Layer {
  route?: { path: unknown; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
  slash?: boolean;
  name?: string;
}

/**
 * Every route an Express 5 app answers (`GET /keys/:id`), found by walking its router stack. Routers
 * are mounted at `/` here (`app.use(router)`); one mounted elsewhere, or a route path that is not a
 * string, throws rather than be listed wrong.
 */
export function expressRoutes(app: Express): string[] {
  const routes: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        if (typeof layer.route.path !== 'string')
          throw new Error(`route path ${String(layer.route.path)} is not a string`);
        for (const [method, on] of Object.entries(layer.route.methods)) {
          if (on) routes.push(`${method.toUpperCase()} ${layer.route.path}`);
        }
      } else if (layer.handle.stack) {
        if (!layer.slash)
          throw new Error(`router "${layer.name}" is mounted under a path: teach expressRoutes its prefix`);
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return routes;
}
