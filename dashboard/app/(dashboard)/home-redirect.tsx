'use client';

import { useRouter } from 'next/navigation';
import { useEffect } from 'react';
import { useSession } from '@/components/session-provider';
import { PageSpinner } from '@/components/states';
import { homeFor } from '@/lib/nav';

export function HomeRedirect() {
  const { role } = useSession();
  const router = useRouter();
  useEffect(() => router.replace(homeFor(role)), [router, role]);
  return <PageSpinner label="Opening your dashboard" />;
}
