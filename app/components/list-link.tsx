/**
 * A link for long lists (product cards, chips, facets): a plain `<a>` that the browser still
 * follows client-side.
 *
 * Remix's `<Link>` runs a dozen hooks per link on every render (path resolution against the
 * matched routes, prefetch state, lazy route discovery). On the zone page's ≈90 links that was
 * ≈3 ms of the server's CPU per render, more than a third of the page (`npm run bench:render`).
 * A ListLink renders only the anchor; `useListLinkNavigation`, called once in root's Layout,
 * catches clicks on every ListLink in the document and hands them to Remix's `navigate`, as
 * `<Link>` would. Without JavaScript the anchor is an ordinary link.
 *
 * Only for absolute paths within this site, and only where `<Link>`'s extras (`replace`, `state`,
 * `prefetch`, relative paths) are not needed. `data-discover` lets Remix's lazy route discovery
 * find the target route ahead of the click, as it does for its own links.
 */
import { useNavigate } from '@remix-run/react';
import { useEffect, type AnchorHTMLAttributes } from 'react';

const MARK = 'data-list-link';

export function ListLink({ to, ...rest }: Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & { to: `/${string}` }) {
  return <a href={to} {...rest} {...{ [MARK]: '', 'data-discover': 'true' }} />;
}

/** The path a click on a ListLink should navigate to client-side, or null to let the browser follow it. */
export function listLinkTarget(event: Pick<MouseEvent, 'button' | 'metaKey' | 'altKey' | 'ctrlKey' | 'shiftKey' | 'defaultPrevented' | 'target'>, origin: string): string | null {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.altKey || event.ctrlKey || event.shiftKey) return null;
  const target = event.target as Element | null;
  const anchor = target && typeof target.closest === 'function' ? target.closest(`a[${MARK}]`) : null;
  if (!anchor || !(anchor instanceof HTMLAnchorElement)) return null;
  if ((anchor.target && anchor.target !== '_self') || anchor.hasAttribute('download')) return null;
  const url = new URL(anchor.href, origin);
  if (url.origin !== origin) return null;
  return url.pathname + url.search + url.hash;
}

/** Root's Layout: one click listener for every ListLink on the page. */
export function useListLinkNavigation() {
  const navigate = useNavigate();
  useEffect(() => {
    const onClick = (event: MouseEvent) => {
      const to = listLinkTarget(event, window.location.origin);
      if (to === null) return;
      event.preventDefault();
      // As <Link> does: a link to the page already shown replaces its history entry.
      navigate(to, { replace: to === window.location.pathname + window.location.search + window.location.hash });
    };
    document.addEventListener('click', onClick);
    // Tells the browser tests the listener is there (hydration has run its effects).
    document.documentElement.dataset.listLinks = 'ready';
    return () => {
      document.removeEventListener('click', onClick);
      delete document.documentElement.dataset.listLinks;
    };
  }, [navigate]);
}
