/**
 * Facets and active filters as plain links: every choice is a shareable GET URL that works
 * without JavaScript. Values beyond the first few fold into a native <details>.
 */
import { useTranslation } from '~/utils/use-translation';
import { useGiKindLabel } from '~/components/gi-badge';
import type { FacetValue, SearchFacets } from '~/utils/search/types';
import { searchHref, type FilterName, type SearchParams } from './search-params';
import { ListLink } from '~/components/list-link';

const VISIBLE_VALUES = 8;

export type CategoryNames = Record<string, { zh: string; en: string }>;

type ListFacet = 'province' | 'category' | 'gi' | 'kind' | 'coop';
const FACET_KEYS: Record<ListFacet, keyof Pick<SearchFacets, 'province' | 'category' | 'gi' | 'giKind' | 'cooperative'>> = {
  province: 'province',
  category: 'category',
  gi: 'gi',
  kind: 'giKind',
  coop: 'cooperative',
};

/** The label a buyer reads for a facet value, in the page's language where the data has one. */
function useFacetLabel(categoryNames: CategoryNames) {
  const { i18n } = useTranslation();
  const kindLabel = useGiKindLabel();
  return (facet: ListFacet, value: FacetValue) => {
    if (facet === 'kind') return kindLabel(value.value as Parameters<typeof kindLabel>[0]);
    if (facet === 'category') return categoryNames[value.value]?.[i18n.language === 'en' ? 'en' : 'zh'] ?? value.label;
    return value.label;
  };
}

function ValueLink({ params, facet, value, label }: { params: SearchParams; facet: ListFacet; value: FacetValue; label: string }) {
  const active = params[facet] === value.value;
  return (
    <li>
      <ListLink to={searchHref(params, { [facet]: active ? undefined : value.value })} className="chip" aria-current={active ? 'true' : undefined} rel="nofollow">
        {label} <span className="chip__count">{value.count}</span>
      </ListLink>
    </li>
  );
}

export function FacetPanel({ params, facets, categoryNames }: { params: SearchParams; facets: SearchFacets; categoryNames: CategoryNames }) {
  const { t } = useTranslation();
  const label = useFacetLabel(categoryNames);
  const groups = (Object.keys(FACET_KEYS) as ListFacet[]).filter((facet) => facets[FACET_KEYS[facet]].length > 0);
  return (
    <aside className="facets" id="filters" aria-labelledby="filters-heading">
      <h2 id="filters-heading">{t('search:facets.label')}</h2>
      <ul className="chip-list facets__toggles">
        {(['stalled', 'instock'] as const).map((flag) => {
          const count = flag === 'stalled' ? facets.stalled : facets.inStock;
          const on = params[flag] === true;
          if (!on && count === 0) return null;
          return (
            <li key={flag}>
              <ListLink to={searchHref(params, { [flag]: on ? undefined : true })} className="chip" aria-current={on ? 'true' : undefined} rel="nofollow">
                {t(flag === 'stalled' ? 'search:facets.stalledOnly' : 'search:facets.inStockOnly')} <span className="chip__count">{count}</span>
              </ListLink>
            </li>
          );
        })}
      </ul>
      {groups.map((facet) => {
        const values = facets[FACET_KEYS[facet]];
        return (
          <section key={facet} className="facets__group" aria-labelledby={`facet-${facet}`}>
            <h3 id={`facet-${facet}`}>{t(`search:facets.${facet}`)}</h3>
            <ul className="chip-list">
              {values.slice(0, VISIBLE_VALUES).map((v) => (
                <ValueLink key={v.value} params={params} facet={facet} value={v} label={label(facet, v)} />
              ))}
            </ul>
            {values.length > VISIBLE_VALUES ? (
              <details className="facets__more">
                <summary>{t('search:facets.more', { count: values.length - VISIBLE_VALUES })}</summary>
                <ul className="chip-list">
                  {values.slice(VISIBLE_VALUES).map((v) => (
                    <ValueLink key={v.value} params={params} facet={facet} value={v} label={label(facet, v)} />
                  ))}
                </ul>
              </details>
            ) : null}
          </section>
        );
      })}
    </aside>
  );
}

/** The filters in force, each removable, and one link to drop them all. */
export function ActiveFilters({ params, facets, categoryNames }: { params: SearchParams; facets: SearchFacets | null; categoryNames: CategoryNames }) {
  const { t } = useTranslation();
  const label = useFacetLabel(categoryNames);
  const active: { name: FilterName; text: string }[] = [];
  for (const facet of Object.keys(FACET_KEYS) as ListFacet[]) {
    const value = params[facet];
    if (!value) continue;
    const known = facets?.[FACET_KEYS[facet]].find((v) => v.value === value);
    active.push({ name: facet, text: label(facet, known ?? { value, label: value, count: 0 }) });
  }
  if (params.stalled) active.push({ name: 'stalled', text: t('search:facets.stalledOnly') });
  if (params.instock) active.push({ name: 'instock', text: t('search:facets.inStockOnly') });
  if (active.length === 0) return null;
  return (
    <nav className="active-filters" aria-label={t('search:active.label')}>
      <ul className="chip-list">
        {active.map((a) => (
          <li key={a.name}>
            <ListLink to={searchHref(params, { [a.name]: undefined })} className="chip chip--active" aria-label={t('search:active.remove', { label: a.text })}>
              {a.text} <span aria-hidden="true">×</span>
            </ListLink>
          </li>
        ))}
        <li>
          <ListLink to={searchHref({ q: params.q, sort: params.sort, page: 1 })} className="chip">
            {t('search:active.clearAll')}
          </ListLink>
        </li>
      </ul>
    </nav>
  );
}
