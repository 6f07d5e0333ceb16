import type { AuditEntry } from '@gateway/shared';
import { Bot, Cog, KeySquare, type LucideIcon, User } from 'lucide-react';
import Link from 'next/link';
import { Badge, type BadgeProps } from '@/components/ui/badge';
import { formatDateTime, formatLogTime } from '@/lib/format';

const ACTOR_ICONS: Record<AuditEntry['actor']['kind'], LucideIcon> = {
  user: User,
  token: Bot,
  bootstrap: KeySquare,
  system: Cog,
};

function actionVariant(action: AuditEntry['action']): BadgeProps['variant'] {
  if (action.endsWith('.delete') || action.endsWith('.revoke') || action.endsWith('.disable')) return 'destructive';
  if (action.endsWith('.create') || action.endsWith('.enable')) return 'success';
  if (action.startsWith('auth.')) return 'outline';
  return 'secondary';
}

/** Where a target lives in the dashboard, when it has a page. */
function targetHref(target: AuditEntry['target']): string | null {
  if (!target.id) return null;
  if (target.type === 'user') return `/admin/users/${target.id}`;
  if (target.type === 'key') return `/keys/${target.id}`;
  return null;
}

function show(value: unknown): string {
  if (value === null || value === undefined) return '–';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

function Changes({ changes }: { changes: AuditEntry['changes'] }) {
  const fields = Object.entries(changes);
  if (fields.length === 0) return null;
  return (
    <dl className="grid gap-1 text-xs" data-testid="audit-changes">
      {fields.map(([field, { from, to }]) => (
        <div key={field} className="flex min-w-0 flex-wrap items-baseline gap-x-1.5">
          <dt className="font-medium">{field}:</dt>
          <dd className="flex min-w-0 flex-wrap items-baseline gap-x-1.5 font-mono">
            {from === null || from === undefined ? (
              // A creation (or a field set for the first time): only the new value means anything.
              <span className="break-all">{show(to)}</span>
            ) : (
              <>
                <span className="break-all text-muted-foreground line-through decoration-muted-foreground/40">
                  {show(from)}
                </span>
                <span aria-hidden>→</span>
                <span className="sr-only">changed to</span>
                <span className="break-all">{show(to)}</span>
              </>
            )}
          </dd>
        </div>
      ))}
    </dl>
  );
}

function Entry({ entry }: { entry: AuditEntry }) {
  const ActorIcon = ACTOR_ICONS[entry.actor.kind];
  const actor = entry.actor.label ?? entry.actor.id ?? entry.actor.kind;
  const target = entry.target.label ?? entry.target.id;
  const href = targetHref(entry.target);
  return (
    <li className="grid grid-cols-[minmax(0,1fr)] gap-2 px-6 py-4" data-testid="audit-entry" data-action={entry.action}>
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1.5">
        <Badge variant={actionVariant(entry.action)} className="font-mono">
          {entry.action}
        </Badge>
        <time
          dateTime={entry.at}
          title={formatDateTime(entry.at)}
          className="ml-auto text-xs text-muted-foreground tabular-nums sm:order-last"
        >
          {formatLogTime(entry.at)}
        </time>
        <p className="flex min-w-0 basis-full flex-wrap items-center gap-x-1.5 text-sm sm:basis-auto">
          <span
            className="flex min-w-0 items-center gap-1"
            title={`${entry.actor.kind}${entry.actor.id ? ` ${entry.actor.id}` : ''}`}
          >
            <ActorIcon className="size-3.5 shrink-0 text-muted-foreground" aria-hidden />
            <span className="sr-only">{entry.actor.kind}</span>
            <span className="truncate font-medium" data-testid="audit-actor">
              {actor}
            </span>
          </span>
          <span className="text-muted-foreground">on</span>
          <span className="min-w-0 truncate" data-testid="audit-target">
            <span className="text-muted-foreground">{entry.target.type}</span>{' '}
            {target &&
              (href ? (
                <Link href={href} prefetch={false} className="font-medium underline-offset-4 hover:underline">
                  {target}
                </Link>
              ) : (
                <span className="font-medium">{target}</span>
              ))}
          </span>
        </p>
      </div>
      <Changes changes={entry.changes} />
      <p className="flex flex-wrap gap-x-3 gap-y-0.5 text-xs text-muted-foreground">
        <span>
          <span className="sr-only">Address </span>
          <span className="font-mono">{entry.ip ?? 'no address'}</span>
        </span>
        {entry.userAgent && (
          <span className="max-w-full truncate sm:max-w-96" title={entry.userAgent}>
            <span className="sr-only">User agent </span>
            {entry.userAgent}
          </span>
        )}
        {entry.requestId && (
          <span className="font-mono" title="Request id">
            <span className="sr-only">Request id </span>
            {entry.requestId}
          </span>
        )}
      </p>
    </li>
  );
}

/** Audit entries, newest first: who did what to which thing, what changed, and from where. */
export function AuditEntries({ entries }: { entries: AuditEntry[] }) {
  return (
    <ol className="divide-y border-t" aria-label="Audit entries">
      {entries.map((entry) => (
        <Entry key={entry.id} entry={entry} />
      ))}
    </ol>
  );
}
