import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { Pagination } from '~/components/product-card';
import catalogStyles from '~/styles/catalog.css';
import { SEARCH_SORTS } from '~/utils/search/types';
import { ActiveFilters, FacetPanel } from './facets';
import { SearchHit } from './search-hit';
import { loadSearchPage, SEARCH_PAGE_SIZE } from './search-page.server';
import { FILTER_NAMES, MAX_SEARCH_PAGE, searchHref } from './search-params';
import { parseSearchParams } from './search-params.server';
import searchStyles from './search.css';
import { ListLink } from '~/components/list-link';

export const handle = { i18n: ['catalog', 'search'] };

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: catalogStyles },
  { rel: 'stylesheet', href: searchStyles },
];

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data?.params.q ? `${data.params.q} · 搜索 · 地标助农` : '搜索地标产品 · 地标助农' },
  // Result pages change with stock; crawlers should follow them to products, not index them.
  { name: 'robots', content: 'noindex, follow' },
];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const params = parseSearchParams(new URL(request.url).searchParams);
  const page = await loadSearchPage(context.app, params);
  const pageCount = Math.min(MAX_SEARCH_PAGE, Math.max(1, Math.ceil(page.total / SEARCH_PAGE_SIZE)));
  return { params, ...page, pageCount, now: context.app.now().toISOString() };
}

export default function SearchPage() {
  const { params, hits, total, facets, degraded, categoryNames, empty, pageCount, now } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const nowDate = new Date(now);
  return (
    <div className="search-page">
      <header className="search-page__header">
        <h1>{params.q ? t('search:resultsFor', { q: params.q }) : t('search:allProducts')}</h1>
        <p className="search-page__count" role="status">
          {t('search:count', { count: total })}
          {facets ? (
            <>
              {' · '}
              <a href="#filters">{t('search:facets.jump')}</a>
            </>
          ) : null}
        </p>
        {degraded ? <p className="form-notice form-notice--muted">{t('search:degraded')}</p> : null}
        <Form method="get" action="/search" className="search-sort">
          {params.q ? <input type="hidden" name="q" value={params.q} /> : null}
          {FILTER_NAMES.map((name) => {
            const value = params[name];
            return value === undefined ? null : <input key={name} type="hidden" name={name} value={value === true ? '1' : value} />;
          })}
          <label htmlFor="search-sort">{t('search:sort.label')}</label>
          <select
            id="search-sort"
            name="sort"
            defaultValue={params.sort}
            // With JavaScript the choice applies at once; without it, the button does.
            onChange={(event) => event.currentTarget.form?.requestSubmit()}
          >
            {SEARCH_SORTS.map((sort) => (
              <option key={sort} value={sort}>
                {t(`search:sort.${sort}`)}
              </option>
            ))}
          </select>
          <button type="submit" className="button button--secondary">
            {t('search:sort.apply')}
          </button>
        </Form>
        <ActiveFilters params={params} facets={facets} categoryNames={categoryNames} />
      </header>

      <div className="search-page__body">
        <section className="search-page__results" aria-labelledby="search-results-heading">
          <h2 id="search-results-heading" className="visually-hidden">
            {t('search:resultsLabel')}
          </h2>
          {hits.length > 0 ? (
            <div className="product-grid">
              {hits.map(({ card, highlighted }, i) => (
                <SearchHit key={card.id} product={card} highlighted={highlighted} now={nowDate} lazy={i >= 2} />
              ))}
            </div>
          ) : total > 0 ? (
            <p>{t('catalog:pageEmpty')}</p>
          ) : null}
          {empty ? (
            <div className="search-empty">
              <h2>{params.q ? t('search:empty.title', { q: params.q }) : t('search:empty.titleNoQuery')}</h2>
              {empty.alternatives.length > 0 ? (
                <p>
                  {t('search:empty.didYouMean')}{' '}
                  {empty.alternatives.map((a) => (
                    <ListLink key={a.q} to={searchHref(params, { q: a.q })} className="chip">
                      {a.q} <span className="chip__count">{a.total}</span>
                    </ListLink>
                  ))}
                </p>
              ) : null}
              {empty.filtered ? (
                <p>
                  <ListLink to={searchHref({ q: params.q, sort: params.sort, page: 1 })}>{t('search:active.clearAll')}</ListLink>
                </p>
              ) : null}
              <p className="muted">{t('search:empty.pinyinHint')}</p>
              {empty.popularGis.length > 0 ? (
                <>
                  <h3>{t('search:empty.popularGis')}</h3>
                  <ul className="chip-list">
                    {empty.popularGis.map((gi) => (
                      <li key={gi.slug}>
                        <ListLink to={searchHref({ q: '', sort: 'relevance', page: 1 }, { gi: gi.slug })} className="chip">
                          {gi.name} <span className="chip__count">{gi.productCount}</span>
                        </ListLink>
                      </li>
                    ))}
                  </ul>
                </>
              ) : null}
            </div>
          ) : null}
          <Pagination page={params.page} pageCount={pageCount} />
        </section>
        {facets && total > 0 ? <FacetPanel params={params} facets={facets} categoryNames={categoryNames} /> : null}
      </div>
    </div>
  );
}
