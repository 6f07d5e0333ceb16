import type { Metadata } from 'next';
import { WebhookClient } from './webhook-client';

export const metadata: Metadata = { title: 'Webhook deliveries' };

export default async function WebhookPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <WebhookClient webhookId={id} />;
}
