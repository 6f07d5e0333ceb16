import type { Metadata } from 'next';
import { VerifyClient } from './verify-client';

export const metadata: Metadata = { title: 'Signing in' };

/** The mailed link's landing page: `/auth/verify#email=…&token=…` (a fragment never reaches any server log). */
export default function VerifyPage() {
  return <VerifyClient />;
}
