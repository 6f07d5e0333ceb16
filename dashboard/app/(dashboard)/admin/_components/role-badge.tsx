import type { Role } from '@gateway/shared';
import { Shield } from 'lucide-react';
import { Badge } from '@/components/ui/badge';

export function RoleBadge({ role }: { role: Role }) {
  return role === 'admin' ? (
    <Badge variant="default" data-testid="role-badge">
      <Shield aria-hidden /> Admin
    </Badge>
  ) : (
    <Badge variant="secondary" data-testid="role-badge">
      User
    </Badge>
  );
}
