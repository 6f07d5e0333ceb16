import { FileCode2 } from 'lucide-react';
import { Badge } from '@/components/ui/badge';

/** A route or plan the declarative configuration file defines: the API refuses to change it (409). */
export function ManagedByFileBadge() {
  return (
    <Badge
      variant="outline"
      data-testid="managed-by-file"
      title="Defined in the gateway's configuration file (GATEWAY_CONFIG_FILE or POST /config/apply): change it there."
    >
      <FileCode2 aria-hidden />
      Managed by configuration file
    </Badge>
  );
}
