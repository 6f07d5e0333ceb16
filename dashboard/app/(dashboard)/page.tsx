import { HomeRedirect } from './home-redirect';

/** `/`: each role has its own home (admins the overview, consumers their keys). */
export default function HomePage() {
  return <HomeRedirect />;
}
