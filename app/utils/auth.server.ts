import type { Role } from '~/db/schema';
import type { AppContext } from './context.server';

export interface CurrentUser {
  id: string;
  displayName: string;
  email: string | null;
  mobile: string | null;
  locale: string;
  roles: Role[];
  cooperativeIds: number[];
  associationIds: number[];
}

/** The signed-in user, or null. (Being implemented with database sessions.) */
export async function getOptionalUser(_request: Request, _app: AppContext): Promise<CurrentUser | null> {
  return null;
}
