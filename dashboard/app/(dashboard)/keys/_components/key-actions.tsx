'use client';

import type { ApiKey } from '@gateway/shared';
import { BarChart3, Pencil, RotateCw, Trash2 } from 'lucide-react';
import Link from 'next/link';
import { useHasRole } from '@/components/require-role';
import { Button } from '@/components/ui/button';
import { Switch } from '@/components/ui/switch';
import { keyStatus } from './key-status-badge';

export function KeyToggle({ apiKey, onToggle }: { apiKey: ApiKey; onToggle(key: ApiKey, active: boolean): void }) {
  // A key an admin disabled stays off for its owner (the gateway refuses it too); admins may switch it.
  const locked = useHasRole('user') && apiKey.disabledByAdmin && !apiKey.active;
  // An expired key works for nobody whatever `active` says: its switch must not claim "enabled" (issue 16).
  const expired = keyStatus(apiKey) === 'expired';
  const title = expired
    ? 'This key has expired; edit its expiry to use it again.'
    : locked
      ? 'An admin disabled this key; only an admin can enable it again.'
      : undefined;
  return (
    <Switch
      checked={apiKey.active && !expired}
      disabled={locked || expired}
      title={title}
      onCheckedChange={(active) => onToggle(apiKey, active)}
      aria-label={
        expired ? `Key ${apiKey.name} has expired` : `${apiKey.active ? 'Disable' : 'Enable'} key ${apiKey.name}`
      }
    />
  );
}

interface KeyActionsProps {
  apiKey: ApiKey;
  onEdit(key: ApiKey): void;
  onDelete(key: ApiKey): void;
  /** "Roll key": a new secret, the old one working through a grace period. */
  onRoll?(key: ApiKey): void;
}

/** Usage, roll, edit and delete for one key; icon buttons carry the key's name for screen readers. */
export function KeyActions({ apiKey, onEdit, onDelete, onRoll }: KeyActionsProps) {
  return (
    <div className="flex justify-end gap-1">
      <Button asChild variant="ghost" size="icon-sm">
        <Link href={`/keys/${apiKey.id}`} aria-label={`Usage of ${apiKey.name}`} title="Usage">
          <BarChart3 aria-hidden />
        </Link>
      </Button>
      {onRoll && (
        <Button
          variant="ghost"
          size="icon-sm"
          onClick={() => onRoll(apiKey)}
          aria-label={`Roll ${apiKey.name}`}
          title="Roll key"
        >
          <RotateCw aria-hidden />
        </Button>
      )}
      <Button
        variant="ghost"
        size="icon-sm"
        onClick={() => onEdit(apiKey)}
        aria-label={`Edit ${apiKey.name}`}
        title="Edit"
      >
        <Pencil aria-hidden />
      </Button>
      <Button
        variant="ghost"
        size="icon-sm"
        className="text-destructive hover:bg-destructive/10 hover:text-destructive"
        onClick={() => onDelete(apiKey)}
        aria-label={`Delete ${apiKey.name}`}
        title="Delete"
      >
        <Trash2 aria-hidden />
      </Button>
    </div>
  );
}
