import type { Metadata } from 'next';
import { AdminKeysClient } from './admin-keys-client';

export const metadata: Metadata = { title: 'All keys' };

export default function AdminKeysPage() {
  return <AdminKeysClient />;
}
