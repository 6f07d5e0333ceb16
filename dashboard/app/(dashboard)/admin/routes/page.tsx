import type { Metadata } from 'next';
import { RoutesClient } from './routes-client';

export const metadata: Metadata = { title: 'Routes' };

export default function AdminRoutesPage() {
  return <RoutesClient />;
}
