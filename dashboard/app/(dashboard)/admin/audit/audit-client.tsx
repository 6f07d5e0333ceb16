'use client';

import { ChevronDown, ScrollText } from 'lucide-react';
import { useState } from 'react';
import { useGateway } from '@/components/gateway-provider';
import { ApiErrorState, EmptyState } from '@/components/states';
import { Button } from '@/components/ui/button';
import { Card, CardAction, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { toApiError } from '@/lib/api-error';
import { cn } from '@/lib/utils';
import { AuditEntries } from '../_components/audit-entries';
import { ListSkeleton } from '../_components/list-skeleton';
import { LoadMore } from '../_components/load-more';
import { PageHeader } from '../_components/page-header';
import { usePagedList } from '../_lib/use-paged-list';
import { AuditFilterForm } from './_components/audit-filter-form';
import { type AppliedAuditFilters, fromLocalInput, NO_FILTERS, searchOf, valuesOf } from './_components/audit-query';
import { ExportButton } from './_components/export-button';

const blankToUndefined = (value: string) => (value.trim() === '' ? undefined : value.trim());

export function AuditClient({ initial }: { initial: AppliedAuditFilters }) {
  const gateway = useGateway();
  const [values, setValues] = useState(() => valuesOf(initial));
  const [applied, setApplied] = useState(initial);
  // Applying the same filters again still reloads: new entries may have arrived.
  const [version, setVersion] = useState(0);
  const [resolving, setResolving] = useState(false);
  const [userError, setUserError] = useState<string | undefined>(undefined);
  const audit = usePagedList(`audit:${version}:${JSON.stringify(applied)}`, (cursor) =>
    gateway.listAudit({ ...applied, cursor }),
  );
  const activeFilters = Object.values(applied).filter(Boolean).length;
  const filtered = activeFilters > 0;
  const [showFilters, setShowFilters] = useState(false);

  function show(next: AppliedAuditFilters) {
    setApplied(next);
    setVersion((v) => v + 1);
    history.replaceState(null, '', `/admin/audit${searchOf(next)}`);
  }

  /** An email in the user filter is looked up; the API filters by user id. */
  async function userIdOf(user: string): Promise<string | undefined | null> {
    const text = blankToUndefined(user);
    if (!text?.includes('@')) return text;
    setResolving(true);
    try {
      return (await gateway.getUserByEmail(text)).id;
    } catch (caught) {
      const error = toApiError(caught);
      setUserError(error.isNotFound ? 'matches no user' : error.message);
      return null;
    } finally {
      setResolving(false);
    }
  }

  async function apply() {
    setUserError(undefined);
    const userId = await userIdOf(values.user);
    if (userId === null) return;
    show({
      action: values.action || undefined,
      actorId: blankToUndefined(values.actor),
      targetId: blankToUndefined(values.target),
      userId,
      from: fromLocalInput(values.from),
      to: fromLocalInput(values.to),
    });
  }

  function clear() {
    setValues(NO_FILTERS);
    setUserError(undefined);
    show({});
  }

  const validation = audit.error?.status === 400 ? audit.error : undefined;

  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        title="Audit log"
        description="Every change made through the management API: who, what, when and from where."
        actions={<ExportButton filters={applied} />}
      />
      <Card className="gap-4">
        <CardHeader>
          <CardTitle>
            Filters
            {activeFilters > 0 && (
              <span className="ml-2 font-normal text-muted-foreground text-sm">{activeFilters} applied</span>
            )}
          </CardTitle>
          <CardAction className="self-center sm:hidden">
            <Button
              variant="ghost"
              size="sm"
              aria-expanded={showFilters}
              aria-controls="audit-filters"
              onClick={() => setShowFilters((open) => !open)}
            >
              {showFilters ? 'Hide' : 'Show'}
              <ChevronDown className={cn('transition-transform', showFilters && 'rotate-180')} aria-hidden />
            </Button>
          </CardAction>
        </CardHeader>
        {/* On a phone the form folds away: the entries are what one came for. */}
        <CardContent id="audit-filters" className={cn(!showFilters && 'hidden sm:block')}>
          <AuditFilterForm
            values={values}
            onChange={setValues}
            onApply={() => void apply()}
            onClear={clear}
            pending={resolving || audit.loading}
            error={validation}
            localErrors={{ userId: userError }}
          />
        </CardContent>
      </Card>

      <Card className="gap-4 pb-4">
        <CardHeader>
          <CardTitle>Entries</CardTitle>
        </CardHeader>
        <CardContent className="px-0">
          {audit.error && !audit.items ? (
            <ApiErrorState className="mx-6" error={audit.error} what="audit entries" onRetry={audit.reload} />
          ) : !audit.items ? (
            <ListSkeleton label="Loading audit entries" />
          ) : audit.items.length === 0 ? (
            <EmptyState
              icon={<ScrollText className="size-5" aria-hidden />}
              title={filtered ? 'No entries match' : 'Nothing recorded yet'}
              description={
                filtered
                  ? 'Widen the time range or clear a filter.'
                  : 'Changes to users, keys, tokens and settings, and every sign-in, are recorded here.'
              }
            />
          ) : (
            <div className={cn('transition-opacity', audit.loading && 'opacity-60')} aria-busy={audit.loading}>
              {validation && (
                <ApiErrorState className="mx-6 mb-4" error={validation} what="entries for these filters" />
              )}
              <AuditEntries entries={audit.items} />
            </div>
          )}
        </CardContent>
        {audit.items && audit.items.length > 0 && (
          <LoadMore
            shown={audit.items.length}
            noun="entry"
            plural="entries"
            hasMore={audit.hasMore}
            loadingMore={audit.loadingMore}
            error={audit.error}
            onLoadMore={audit.loadMore}
          />
        )}
      </Card>
    </div>
  );
}
