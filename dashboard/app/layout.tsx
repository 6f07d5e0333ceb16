import { GeistMono } from 'geist/font/mono';
import { GeistSans } from 'geist/font/sans';
import type { Metadata, Viewport } from 'next';
import type { ReactNode } from 'react';
import { GatewayProvider } from '@/components/gateway-provider';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'API Gateway', template: '%s · API Gateway' },
  description: 'Manage API keys, rate limits and usage for your API gateway.',
};

export const viewport: Viewport = { width: 'device-width', initialScale: 1 };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en" className={`${GeistSans.variable} ${GeistMono.variable}`}>
      <body className="min-h-dvh font-sans">
        <GatewayProvider>{children}</GatewayProvider>
      </body>
    </html>
  );
}
