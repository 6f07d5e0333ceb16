import type { TopKey } from '@gateway/shared';
import { KeyRound } from 'lucide-react';
import Link from 'next/link';
import { EmptyState } from '@/components/states';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { formatNumber } from '@/lib/format';

/** A ranking of keys; each links to the key's usage page, which admins may open for any key. */
export function TopKeys({
  title,
  description,
  keys,
  testId,
}: {
  title: string;
  description: string;
  keys: TopKey[];
  testId: string;
}) {
  return (
    <Card className="gap-4" data-testid={testId}>
      <CardHeader>
        <CardTitle>{title}</CardTitle>
        <CardDescription>{description}</CardDescription>
      </CardHeader>
      <CardContent className="px-0">
        {keys.length === 0 ? (
          <EmptyState
            icon={<KeyRound className="size-5" aria-hidden />}
            title="Nothing to rank yet"
            description="No key sent requests in this period."
          />
        ) : (
          <Table aria-label={title}>
            <TableHeader>
              <TableRow className="hover:bg-transparent">
                <TableHead>Key</TableHead>
                <TableHead className="text-right">Requests</TableHead>
                <TableHead className="text-right">Errors</TableHead>
                <TableHead className="hidden text-right sm:table-cell">429</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {keys.map((key) => (
                <TableRow key={key.keyId} data-testid="top-key">
                  <TableCell className="max-w-0 w-full">
                    <div className="grid min-w-0 gap-0.5">
                      <Link
                        href={`/keys/${key.keyId}`}
                        prefetch={false}
                        className="truncate rounded-sm font-medium underline-offset-4 outline-none hover:underline focus-visible:ring-[3px] focus-visible:ring-ring/50"
                      >
                        {key.name}
                      </Link>
                      <span className="truncate text-xs text-muted-foreground">
                        <code className="font-mono">{key.start}…</code> · {key.email}
                      </span>
                    </div>
                  </TableCell>
                  <TableCell className="text-right tabular-nums">{formatNumber(key.requests)}</TableCell>
                  <TableCell className="text-right tabular-nums">{formatNumber(key.errors)}</TableCell>
                  <TableCell className="hidden text-right tabular-nums sm:table-cell">
                    {formatNumber(key.rateLimited)}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </CardContent>
    </Card>
  );
}
