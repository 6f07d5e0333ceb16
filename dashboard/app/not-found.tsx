import Link from 'next/link';
import { Button } from '@/components/ui/button';

export default function NotFound() {
  return (
    <main className="flex min-h-dvh flex-col items-center justify-center gap-4 p-6 text-center">
      <p className="font-mono text-sm text-muted-foreground">404</p>
      <h1 className="text-2xl font-semibold">This page does not exist</h1>
      <Button asChild variant="outline">
        <Link href="/keys">Go to your API keys</Link>
      </Button>
    </main>
  );
}
