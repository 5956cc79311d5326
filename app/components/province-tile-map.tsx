/**
 * Provinces as a grid of equal labelled tiles placed roughly where they lie, shaded by a count.
 * Deliberately not an outline map: publishing a map of China's borders needs an approved map
 * (审图号), and tiles read better on a phone anyway. Each tile is a link with its count in text.
 */
import { Link } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';

/** [province code, row, column] on an 8 × 8 grid, north at the top. */
export const PROVINCE_TILES: readonly (readonly [code: string, row: number, column: number])[] = [
  ['230000', 0, 7],
  ['650000', 1, 0],
  ['150000', 1, 3],
  ['110000', 1, 4],
  ['120000', 1, 5],
  ['210000', 1, 6],
  ['220000', 1, 7],
  ['630000', 2, 0],
  ['620000', 2, 1],
  ['640000', 2, 2],
  ['140000', 2, 3],
  ['130000', 2, 4],
  ['370000', 2, 5],
  ['540000', 3, 0],
  ['510000', 3, 1],
  ['610000', 3, 2],
  ['410000', 3, 3],
  ['340000', 3, 4],
  ['320000', 3, 5],
  ['500000', 4, 2],
  ['420000', 4, 3],
  ['360000', 4, 4],
  ['330000', 4, 5],
  ['310000', 4, 6],
  ['530000', 5, 1],
  ['520000', 5, 2],
  ['430000', 5, 3],
  ['350000', 5, 5],
  ['710000', 5, 6],
  ['450000', 6, 2],
  ['440000', 6, 3],
  ['810000', 6, 4],
  ['460000', 7, 2],
  ['820000', 7, 3],
];

/** 0 for none, else 1–4 relative to the largest count. */
export function shadeLevel(count: number, max: number): number {
  if (count <= 0 || max <= 0) return 0;
  return Math.min(4, Math.max(1, Math.ceil((count / max) * 4)));
}

export function ProvinceTileMap({
  counts,
  hrefFor,
  selected,
  heading,
}: {
  counts: Readonly<Record<string, number>>;
  hrefFor: (provinceCode: string) => string;
  selected?: string;
  heading: string;
}) {
  const { t } = useTranslation();
  const max = Math.max(0, ...Object.values(counts));
  return (
    <figure className="tile-map">
      <figcaption id="tile-map-caption">
        <strong>{heading}</strong>
        <span className="tile-map__legend">{t('reports:tileMap.legend')}</span>
      </figcaption>
      <ul className="tile-map__grid" aria-labelledby="tile-map-caption">
        {PROVINCE_TILES.map(([code, row, column]) => {
          const count = counts[code] ?? 0;
          const name = t(`reports:provinces.${code}`);
          return (
            <li key={code} className="tile-map__cell" style={{ gridRow: row + 1, gridColumn: column + 1 }}>
              <Link
                to={hrefFor(code)}
                className={`tile-map__tile tile-map__tile--${shadeLevel(count, max)}`}
                aria-current={selected === code ? 'true' : undefined}
                aria-label={t('reports:tileMap.tile', { name, count })}
              >
                <span className="tile-map__name" aria-hidden="true">
                  {name}
                </span>
                <span className="tile-map__count" aria-hidden="true">
                  {count}
                </span>
              </Link>
            </li>
          );
        })}
      </ul>
      <p className="visually-hidden">{t('reports:tileMap.label')}</p>
    </figure>
  );
}
