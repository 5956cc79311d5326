import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { z } from 'zod';
import { useGiKindLabel } from '~/components/gi-badge';
import { Pagination } from '~/components/product-card';
import { countGisByProvince, listGisByProvince, pageCount, pageWindow, parsePageParam, type GiListEntry } from '~/models/catalog.server';
import catalogStyles from '~/styles/catalog.css';
import { ListLink } from '~/components/list-link';

export const handle = { i18n: ['catalog'] };

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: catalogStyles }];

export const meta: MetaFunction = () => [
  { title: '地理标志产品 · 按省份浏览 · 地标助农' },
  { name: 'description', content: '按省份浏览本专区收录的地理标志：类型、保护范围、获准使用专用标志的合作社与在售商品。' },
];

const PAGE_SIZE = 48;
const provinceParam = z.string().regex(/^\d{2}0000$/).optional().catch(undefined);

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { db } = context.app;
  const url = new URL(request.url);
  const page = parsePageParam(url.searchParams.get('page'));
  const provinceCode = provinceParam.parse(url.searchParams.get('province') ?? undefined);
  const [provinces, gis] = await Promise.all([countGisByProvince(db), listGisByProvince(db, { ...pageWindow(page, PAGE_SIZE), provinceCode })]);
  const total = provinceCode
    ? (provinces.find((p) => p.provinceCode === provinceCode)?.count ?? 0)
    : provinces.reduce((sum, p) => sum + p.count, 0);
  return { provinces, provinceCode: provinceCode ?? null, gis, total, page, pageCount: pageCount(total, PAGE_SIZE) };
}

/** Consecutive entries of one province under one heading. */
function groupByProvince(gis: GiListEntry[]) {
  const groups: { provinceCode: string; provinceName: string; gis: GiListEntry[] }[] = [];
  for (const gi of gis) {
    const last = groups.at(-1);
    if (last?.provinceCode === gi.provinceCode) last.gis.push(gi);
    else groups.push({ provinceCode: gi.provinceCode, provinceName: gi.provinceName, gis: [gi] });
  }
  return groups;
}

export default function GiIndex() {
  const { provinces, provinceCode, gis, total, page, pageCount } = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  const kindLabel = useGiKindLabel();
  const english = i18n.language === 'en';
  return (
    <>
      <h1>{t('catalog:giList.title')}</h1>
      <p className="section-intro">{t('catalog:giList.intro')}</p>
      <nav aria-label={t('catalog:giList.byProvince')}>
        <ul className="chip-list">
          <li>
            <ListLink to="/gi" className="chip" aria-current={provinceCode ? undefined : 'page'}>
              {t('catalog:zone.allProvinces')}
            </ListLink>
          </li>
          {provinces.map((p) => (
            <li key={p.provinceCode}>
              <ListLink to={`/gi?province=${p.provinceCode}`} className="chip" aria-current={provinceCode === p.provinceCode ? 'page' : undefined}>
                {p.provinceName} <span className="chip__count">{p.count}</span>
              </ListLink>
            </li>
          ))}
        </ul>
      </nav>
      {gis.length === 0 ? <p>{total > 0 ? t('catalog:pageEmpty') : t('catalog:giList.empty')}</p> : null}
      {groupByProvince(gis).map((group) => (
        <section key={group.provinceCode} aria-labelledby={`province-${group.provinceCode}`}>
          <h2 id={`province-${group.provinceCode}`}>{group.provinceName}</h2>
          <ul className="gi-list">
            {group.gis.map((gi) => (
              <li key={gi.slug} className="gi-list__item">
                <ListLink to={`/gi/${gi.slug}`} className="gi-list__link">
                  <span className="gi-list__name">{english && gi.nameEn ? gi.nameEn : gi.name}</span>
                  <span className="gi-list__meta">
                    {kindLabel(gi.kind)} · {t('zone.productCount', { count: gi.productCount })}
                  </span>
                </ListLink>
              </li>
            ))}
          </ul>
        </section>
      ))}
      <Pagination page={page} pageCount={pageCount} />
    </>
  );
}
