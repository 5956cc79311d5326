import type { ActionFunctionArgs } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import { isLocale } from '~/locales';
import { safeRedirectPath } from '~/utils/http.server';
import { localeCookie } from '~/utils/locale.server';

/** Switches the interface language; a plain form post, so it works without JavaScript. */
export async function action({ request }: ActionFunctionArgs) {
  const form = await request.formData();
  const locale = form.get('locale');
  const to = safeRedirectPath(form.get('redirectTo'));
  if (!isLocale(locale)) return redirect(to);
  return redirect(to, { headers: { 'Set-Cookie': await localeCookie.serialize(locale) } });
}

export function loader() {
  return redirect('/');
}
