import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createOpenApiDocument } from '@gateway/shared/openapi';
import { Router } from 'express';
import { ApiError } from '../errors.js';

/** Swagger UI's prebuilt files, served from node_modules: the page needs no network beyond this host. */
const SWAGGER_UI_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
/** The only files of the package the page loads (no source maps, no demo `index.html`). */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': join(SWAGGER_UI_DIR, 'swagger-ui.css'),
  'swagger-ui-bundle.js': join(SWAGGER_UI_DIR, 'swagger-ui-bundle.js'),
  'favicon.png': join(SWAGGER_UI_DIR, 'favicon-32x32.png'),
};

// Relative URLs: the page keeps working behind a reverse proxy that mounts the listener under a path.
const INIT_SCRIPT = `window.ui = SwaggerUIBundle({
  url: 'openapi.json',
  dom_id: '#reference',
  deepLinking: true,
  withCredentials: true,
  validatorUrl: null,
});
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API reference · API Gateway</title>
<link rel="icon" type="image/png" href="docs/assets/favicon.png">
<link rel="stylesheet" href="docs/assets/swagger-ui.css">
</head>
<body>
<div id="reference"></div>
<script src="docs/assets/swagger-ui-bundle.js"></script>
<script src="docs/assets/init.js"></script>
</body>
</html>
`;

// Swagger UI sets inline styles and shows data: images; it loads nothing from other hosts (validatorUrl: null).
const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

let serialized: string | undefined;
/**
 * Built on first use, once per process: the document depends on nothing but the contract, and building
 * it takes ~100 ms that start-up (and every test gateway) need not pay.
 */
function openApiJson(): string {
  serialized ??= JSON.stringify(createOpenApiDocument());
  return serialized;
}

/**
 * `GET /openapi.json` and the reference page `GET /docs`, both public: the document describes shapes,
 * codes and credentials' names, never a secret or anyone's data, and code generators and the page
 * fetch it without credentials. The listener itself is not exposed to the public (the proxy is).
 */
export function apiReferenceRouter(): Router {
  const router = Router();

  // GET /openapi.json – the OpenAPI 3.1 description of this API, generated from the zod contract
  router.get('/openapi.json', (_req, res) => {
    res.type('json').send(openApiJson());
  });

  // GET /docs – the document rendered by Swagger UI, served from this host
  router.get('/docs', (_req, res) => {
    res.setHeader('Content-Security-Policy', PAGE_CSP);
    res.type('html').send(PAGE);
  });

  // GET /docs/assets/:file – the page's script, styles and icon (not part of the API)
  router.get('/docs/assets/:file', (req, res, next) => {
    const file = req.params.file;
    if (file === 'init.js') {
      res.type('js').send(INIT_SCRIPT);
      return;
    }
    const path = Object.hasOwn(ASSETS, file) ? ASSETS[file] : undefined;
    if (!path) throw new ApiError('NOT_FOUND', `No asset ${file} here.`);
    // The package's files change only with its version: the browser may keep them a day.
    res.setHeader('Cache-Control', 'public, max-age=86400');
    res.sendFile(path, (err) => err && next(err));
  });

  return router;
}
