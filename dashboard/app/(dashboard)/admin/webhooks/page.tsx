import type { Metadata } from 'next';
import { AdminWebhooksClient } from './admin-webhooks-client';

export const metadata: Metadata = { title: 'Webhooks' };

export default function AdminWebhooksPage() {
  return <AdminWebhooksClient />;
}
