import type { Metadata } from 'next';
import { SettingsClient } from './settings-client';

export const metadata: Metadata = { title: 'Consumer caps' };

export default function AdminSettingsPage() {
  return <SettingsClient />;
}
