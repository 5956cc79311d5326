import type { MetaFunction } from '@remix-run/node';
import { useTranslation } from '~/utils/use-translation';

export const meta: MetaFunction = () => [{ title: '用户协议 · 地标助农' }];

export default function Terms() {
  const { t } = useTranslation();
  return (
    <article className="prose">
      <h1>{t('terms.title')}</h1>
      <p>{t('terms.body')}</p>
    </article>
  );
}
