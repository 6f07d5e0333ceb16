import { connection, NextResponse } from 'next/server';
import { DEFAULT_GATEWAY_API_URL, DEFAULT_GATEWAY_PROXY_URL, RuntimeConfigSchema } from '@/lib/runtime-config';

// GET /api/runtime-config – the gateway's URLs, read from the environment on every request, so changing
// GATEWAY_API_URL (management listener) or GATEWAY_PROXY_URL (proxy listener) needs a restart, not a rebuild.
export async function GET(): Promise<NextResponse> {
  await connection();
  const gatewayApiUrl = (process.env.GATEWAY_API_URL || DEFAULT_GATEWAY_API_URL).replace(/\/+$/, '');
  const gatewayProxyUrl = (process.env.GATEWAY_PROXY_URL || DEFAULT_GATEWAY_PROXY_URL).replace(/\/+$/, '');
  const parsed = RuntimeConfigSchema.safeParse({ gatewayApiUrl, gatewayProxyUrl });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = issue?.path[0] === 'gatewayProxyUrl' ? 'GATEWAY_PROXY_URL' : 'GATEWAY_API_URL';
    return NextResponse.json(
      { title: 'Invalid configuration', detail: `${name} ${issue?.message}` },
      { status: 500, headers: { 'cache-control': 'no-store' } },
    );
  }
  return NextResponse.json(parsed.data, { headers: { 'cache-control': 'no-store' } });
}
