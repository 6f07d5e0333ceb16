'use client';

import Link from 'next/link';
import { formatLimit, formatRelative } from '@/lib/format';
import { KeyActions, KeyToggle } from './key-actions';
import { KeyExpiryItem, KeyStatusBadge } from './key-status-badge';
import type { KeysViewProps } from './keys-table';

/** The keys as a stacked list: the table's layout for narrow screens. */
export function KeyCards({ keys, onToggle, onEdit, onDelete, onRoll }: KeysViewProps) {
  return (
    <ul className="divide-y border-t">
      {keys.map((key) => (
        <li key={key.id} className="grid gap-3 px-6 py-4" data-testid="key-card">
          <div className="flex items-start justify-between gap-3">
            <div className="grid min-w-0 gap-1">
              <Link
                href={`/keys/${key.id}`}
                title={key.name}
                className="truncate font-medium underline-offset-4 hover:underline"
              >
                {key.name}
              </Link>
              <code className="w-fit rounded bg-muted px-1.5 py-0.5 font-mono text-xs">{key.start}…</code>
            </div>
            <KeyStatusBadge apiKey={key} />
          </div>
          <dl className="grid grid-cols-2 gap-2 text-sm">
            <div>
              <dt className="text-xs text-muted-foreground">Limits</dt>
              <dd className="tabular-nums">
                {formatLimit(key.limitPerMinute)}/min · {formatLimit(key.limitPerDay)}/day
              </dd>
            </div>
            <div>
              <dt className="text-xs text-muted-foreground">Last used</dt>
              <dd>{key.lastUsedAt ? formatRelative(key.lastUsedAt) : 'Never'}</dd>
            </div>
            <KeyExpiryItem apiKey={key} />
          </dl>
          <div className="flex items-center justify-between">
            <KeyToggle apiKey={key} onToggle={onToggle} />
            <KeyActions apiKey={key} onEdit={onEdit} onDelete={onDelete} onRoll={onRoll} />
          </div>
        </li>
      ))}
    </ul>
  );
}
