/**
 * A guest's cart id lives in a cookie signed with the app's secret, so a visitor cannot point
 * their cookie at someone else's cart by editing it. Signed-in users' carts are found by user id
 * and need no cookie; at login the guest cart is merged into the user's (mergeGuestCartIntoUser).
 */
import { createCookie, type Cookie } from '@remix-run/node';
import { isSecureRequest } from './session.server';

const CART_MAX_AGE_S = 30 * 24 * 60 * 60;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const cookies = new Map<string, Cookie>();

function cartCookie(request: Request, secret: string): Cookie {
  const secure = isSecureRequest(request);
  const key = `${secure}:${secret}`;
  let cookie = cookies.get(key);
  if (!cookie) {
    cookie = createCookie(secure ? '__Host-cart' : 'cart', {
      secrets: [secret],
      httpOnly: true,
      sameSite: 'lax',
      path: '/',
      secure,
      maxAge: CART_MAX_AGE_S,
    });
    cookies.set(key, cookie);
  }
  return cookie;
}

/** The guest cart id the request carries (signature checked), or null. */
export async function readGuestCartId(request: Request, secret: string): Promise<string | null> {
  const value: unknown = await cartCookie(request, secret).parse(request.headers.get('Cookie'));
  return typeof value === 'string' && UUID.test(value) ? value : null;
}

export function serializeGuestCartCookie(request: Request, secret: string, cartId: string): Promise<string> {
  return cartCookie(request, secret).serialize(cartId);
}

export function serializeExpiredGuestCartCookie(request: Request, secret: string): Promise<string> {
  return cartCookie(request, secret).serialize('', { maxAge: 0, expires: new Date(0) });
}
