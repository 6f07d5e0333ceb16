import type { ReactNode } from 'react';
import { AppHeader } from '@/components/app-header';
import { AreaGuard } from '@/components/require-role';
import { SessionProvider } from '@/components/session-provider';

export default function DashboardLayout({ children }: { children: ReactNode }) {
  return (
    <SessionProvider>
      <AppHeader />
      <main className="mx-auto w-full max-w-6xl px-4 py-6 sm:px-6 sm:py-8">
        <AreaGuard>{children}</AreaGuard>
      </main>
    </SessionProvider>
  );
}
