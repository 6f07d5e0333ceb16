/** Who is calling the management API: the operator (admin token) or a signed-in user (session). */
export type Actor = { role: 'admin' } | { role: 'user'; userId: string; sessionId: string };

export const isAdmin = (actor: Actor): actor is { role: 'admin' } => actor.role === 'admin';
