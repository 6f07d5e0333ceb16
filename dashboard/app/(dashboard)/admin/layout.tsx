import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { RequireRole } from '@/components/require-role';

export const metadata: Metadata = { title: { default: 'Admin', template: '%s · Admin · API Gateway' } };

const ADMINS = ['admin'] as const;

/**
 * The operators' console: the header links its pages for admins, and this keeps everyone else out
 * (as lib/nav.ts's role areas do for the whole path; said here too, beside the pages it protects).
 */
export default function AdminLayout({ children }: { children: ReactNode }) {
  return (
    <RequireRole role={ADMINS}>
      <div className="flex flex-col gap-6">{children}</div>
    </RequireRole>
  );
}
