import type { Metadata } from 'next';
import { safeNext } from '../_components/safe-next';
import { LoginClient } from './login-client';

export const metadata: Metadata = { title: 'Sign in' };

export default async function LoginPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[]>>;
}) {
  const { next, error, email } = await searchParams;
  return (
    <LoginClient
      next={safeNext(next)}
      ssoFailed={error === 'sso'}
      initialEmail={typeof email === 'string' ? email : ''}
    />
  );
}
