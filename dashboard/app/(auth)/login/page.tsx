import type { Metadata } from 'next';
import { LoginClient } from './login-client';

export const metadata: Metadata = { title: 'Sign in' };

/** Only same-site paths are followed after sign-in, never another origin. */
function safeNext(next: string | string[] | undefined): string {
  return typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') ? next : '/keys';
}

export default async function LoginPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[]>>;
}) {
  const { next } = await searchParams;
  return <LoginClient next={safeNext(next)} />;
}
