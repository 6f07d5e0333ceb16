'use client';

import type { Webhook } from '@gateway/shared';
import { History, KeyRound, MoreHorizontal, Pencil, Send, Trash2 } from 'lucide-react';
import Link from 'next/link';
import { Button } from '@/components/ui/button';
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from '@/components/ui/dropdown-menu';

export type WebhookDialogKind = 'edit' | 'rotate' | 'delete';

export interface WebhookActionHandlers {
  onSendTest(webhook: Webhook): void;
  onOpen(kind: WebhookDialogKind, webhook: Webhook): void;
}

/** Every action on one endpoint in a menu: the list stays narrow enough for a phone. */
export function WebhookActions({
  webhook,
  onSendTest,
  onOpen,
  showDeliveries = true,
}: WebhookActionHandlers & { webhook: Webhook; showDeliveries?: boolean }) {
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button variant="ghost" size="icon-sm" aria-label={`Actions for ${webhook.url}`} title="Actions">
          <MoreHorizontal aria-hidden />
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end" className="w-52">
        {showDeliveries && (
          <DropdownMenuItem asChild>
            <Link href={`/webhooks/${webhook.id}`}>
              <History aria-hidden /> Delivery log
            </Link>
          </DropdownMenuItem>
        )}
        <DropdownMenuItem onSelect={() => onSendTest(webhook)} disabled={!webhook.enabled}>
          <Send aria-hidden /> Send test event
        </DropdownMenuItem>
        <DropdownMenuItem onSelect={() => onOpen('edit', webhook)}>
          <Pencil aria-hidden /> Edit
        </DropdownMenuItem>
        <DropdownMenuItem onSelect={() => onOpen('rotate', webhook)}>
          <KeyRound aria-hidden /> Rotate secret
        </DropdownMenuItem>
        <DropdownMenuSeparator />
        <DropdownMenuItem variant="destructive" onSelect={() => onOpen('delete', webhook)}>
          <Trash2 aria-hidden /> Delete
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
