import { Skeleton } from '@/components/ui/skeleton';

export function ListSkeleton({ label, rows = 4 }: { label: string; rows?: number }) {
  return (
    <div className="grid gap-3 px-6 py-2" role="status" aria-label={label}>
      {Array.from({ length: rows }, (_, row) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: placeholder rows have no identity
        <div key={row} className="flex items-center gap-4">
          <Skeleton className="h-5 w-40" />
          <Skeleton className="h-5 w-16" />
          <Skeleton className="hidden h-5 w-24 sm:block" />
          <Skeleton className="h-5 flex-1" />
        </div>
      ))}
    </div>
  );
}
