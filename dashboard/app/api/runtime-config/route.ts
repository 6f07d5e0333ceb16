import { connection, NextResponse } from 'next/server';
import { DEFAULT_GATEWAY_API_URL, RuntimeConfigSchema } from '@/lib/runtime-config';

// GET /api/runtime-config – the gateway URL, read from the environment on every request, so changing
// GATEWAY_API_URL and restarting takes effect without a rebuild.
export async function GET(): Promise<NextResponse> {
  await connection();
  const gatewayApiUrl = (process.env.GATEWAY_API_URL || DEFAULT_GATEWAY_API_URL).replace(/\/+$/, '');
  const parsed = RuntimeConfigSchema.safeParse({ gatewayApiUrl });
  if (!parsed.success) {
    return NextResponse.json(
      { title: 'Invalid configuration', detail: `GATEWAY_API_URL ${parsed.error.issues[0]?.message}` },
      { status: 500, headers: { 'cache-control': 'no-store' } },
    );
  }
  return NextResponse.json(parsed.data, { headers: { 'cache-control': 'no-store' } });
}
