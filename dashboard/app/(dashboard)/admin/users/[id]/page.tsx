import type { Metadata } from 'next';
import { UserClient } from './user-client';

export const metadata: Metadata = { title: 'User' };

export default async function AdminUserPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <UserClient userId={id} />;
}
