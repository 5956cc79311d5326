import { isRouteErrorResponse, Link, useRouteError } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';

/** The one error view: a friendly message per status, never a stack trace. */
export function GeneralErrorBoundary() {
  const error = useRouteError();
  const { t } = useTranslation();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  const key = status === 404 ? 'notFound' : status === 403 ? 'forbidden' : status === 401 ? 'unauthorized' : status < 500 ? 'badRequest' : 'serverError';
  if (!isRouteErrorResponse(error) && typeof console !== 'undefined') console.error(error);
  return (
    <section className="error-page" role="alert">
      <h1>
        {status} · {t(`errors.${key}.title`)}
      </h1>
      <p>{t(`errors.${key}.body`)}</p>
      <p>
        <Link to="/">{t('errors.backHome')}</Link>
      </p>
    </section>
  );
}
