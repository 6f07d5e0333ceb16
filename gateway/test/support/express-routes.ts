/**
 * Method and path of every route an Express 5 app (or router) serves, read from its router stack:
 * `GET /keys/:id`. Pass `app.router` for an app.
 */
export function routesOf(router: { stack: unknown[] }, prefix = ''): string[] {
  const out: string[] = [];
  for (const layer of router.stack as {
    route?: { path: unknown; methods: Record<string, boolean> };
    handle?: { stack?: unknown[] };
    rawPath?: unknown;
  }[]) {
    if (layer.route) {
      for (const [method, on] of Object.entries(layer.route.methods)) {
        if (on) out.push(`${method === '_all' ? 'ALL' : method.toUpperCase()} ${prefix}${String(layer.route.path)}`);
      }
    } else if (layer.handle?.stack) {
      // A router mounted on a pattern could serve anything: refuse rather than under-count.
      if (typeof layer.rawPath !== 'string') throw new Error(`a router is mounted on ${String(layer.rawPath)}`);
      out.push(
        ...routesOf(layer.handle as { stack: unknown[] }, prefix + (layer.rawPath === '/' ? '' : layer.rawPath)),
      );
    }
  }
  return out;
}
