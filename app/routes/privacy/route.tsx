import type { MetaFunction } from '@remix-run/node';
import { useTranslation } from '~/utils/use-translation';

export const meta: MetaFunction = () => [{ title: '隐私政策 · 地标助农' }];

export default function Privacy() {
  const { t } = useTranslation();
  return (
    <article className="prose">
      <h1>{t('privacy.title')}</h1>
      <p>{t('privacy.intro')}</p>
      <p>{t('privacy.collect')}</p>
      <p>{t('privacy.use')}</p>
      <p>{t('privacy.rights')}</p>
      <p>{t('privacy.contact')}</p>
    </article>
  );
}
