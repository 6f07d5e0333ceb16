import type { Metadata } from 'next';
import { TokensClient } from './tokens-client';

export const metadata: Metadata = { title: 'API tokens' };

export default function AdminTokensPage() {
  return <TokensClient />;
}
