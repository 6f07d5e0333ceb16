'use client';

import type { ApiToken } from '@gateway/shared';
import { Plus, Ticket } from 'lucide-react';
import { useState } from 'react';
import { useGateway } from '@/components/gateway-provider';
import { ApiErrorState, EmptyState } from '@/components/states';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { useResource } from '@/lib/use-resource';
import { ListSkeleton } from '../_components/list-skeleton';
import { PageHeader } from '../_components/page-header';
import { CreateTokenDialog } from './_components/create-token-dialog';
import { RevokeTokenDialog } from './_components/revoke-token-dialog';
import { tokenStatus } from './_components/token-status';
import { TokensList } from './_components/tokens-list';

export function TokensClient() {
  const gateway = useGateway();
  const tokens = useResource('tokens', async () => (await gateway.listTokens()).data);
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);
  const active = tokens.data?.filter((token) => tokenStatus(token) === 'active').length ?? 0;

  function revoked(id: string) {
    const now = new Date().toISOString();
    tokens.setData((list) => list?.map((token) => (token.id === id ? { ...token, revokedAt: now } : token)));
    void tokens.reload(); // the gateway's own revokedAt replaces ours
  }

  const createButton = (
    <Button onClick={() => setCreating(true)}>
      <Plus aria-hidden /> Create token
    </Button>
  );

  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        title="API tokens"
        description={
          <>
            Tokens let scripts call the management API at <code className="font-mono text-xs">{gateway.baseUrl}</code>{' '}
            as an admin, with read or write scope, or only verify API keys (verify scope).
          </>
        }
        actions={createButton}
      />
      <Card className="gap-4 pb-2">
        <CardHeader>
          <CardTitle>Tokens</CardTitle>
          <CardDescription>{tokens.data ? `${active} active of ${tokens.data.length}` : 'Loading…'}</CardDescription>
        </CardHeader>
        <CardContent className="px-0">
          {tokens.error && !tokens.data ? (
            <ApiErrorState
              className="mx-6 mb-4"
              error={tokens.error}
              what="tokens"
              onRetry={() => void tokens.reload()}
            />
          ) : !tokens.data ? (
            <ListSkeleton label="Loading tokens" rows={3} />
          ) : tokens.data.length === 0 ? (
            <EmptyState
              icon={<Ticket className="size-5" aria-hidden />}
              title="No API tokens"
              description="Create a token for automation instead of sharing the bootstrap admin token."
              action={createButton}
            />
          ) : (
            <TokensList tokens={tokens.data} onRevoke={setRevoking} />
          )}
        </CardContent>
      </Card>
      <CreateTokenDialog
        open={creating}
        onOpenChange={setCreating}
        onCreated={(token) => tokens.setData((list) => [token, ...(list ?? [])])}
      />
      <RevokeTokenDialog token={revoking} onClose={() => setRevoking(null)} onRevoked={revoked} />
    </div>
  );
}
