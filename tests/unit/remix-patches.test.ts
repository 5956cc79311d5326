/**
 * Our patches to Remix's server code (patches/, applied by patch-package on install):
 * - @remix-run/router: route matching keeps flattened, ranked branches per route array and per
 *   route-tree shape, compiled path patterns per pattern, and the branch a pathname matched.
 *   These tests hold the patched matcher to the router's documented ranking, and check that a
 *   cached shape never hands back another array's route objects.
 * - @remix-run/react: the server render's route objects are built once per manifest and modules.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
// The server (Remix's server runtime and react-router's static rendering) loads the CommonJS build.
const routerPath = require.resolve('@remix-run/router');
const router = require(routerPath) as typeof import('@remix-run/router');

type TestRoute = import('@remix-run/router').AgnosticRouteObject & { id: string; children?: TestRoute[] };

/** A tree like Remix's: a pathless root, index routes, static beside dynamic, optional and splat segments. */
function routeTree(): TestRoute[] {
  return [
    {
      id: 'root',
      path: '',
      children: [
        { id: 'index', index: true },
        { id: 'search', path: 'search' },
        { id: 'search-suggest', path: 'search/suggest' },
        { id: 'product', path: 'products/:slug' },
        { id: 'products-new', path: 'products/new' },
        { id: 'coop', path: 'coop/:coop', children: [{ id: 'coop-index', index: true }, { id: 'coop-orders', path: 'orders' }, { id: 'coop-order', path: 'orders/:id' }] },
        { id: 'locale', path: ':lang?/about' },
        { id: 'case', path: 'CaseSensitive', caseSensitive: true },
        { id: 'splat', path: '*' },
      ],
    },
  ];
}

const ids = (matches: ReturnType<typeof router.matchRoutes>) => matches?.map((m) => m.route.id) ?? null;

const expectations: [string, string[] | null][] = [
  ['/', ['root', 'index']],
  ['/search', ['root', 'search']],
  ['/search/suggest', ['root', 'search-suggest']],
  ['/products/new', ['root', 'products-new']], // static beats dynamic
  ['/products/zigui-qicheng', ['root', 'product']],
  ['/coop/yichang', ['root', 'coop', 'coop-index']],
  ['/coop/yichang/orders', ['root', 'coop', 'coop-orders']],
  ['/coop/yichang/orders/42', ['root', 'coop', 'coop-order']],
  ['/about', ['root', 'locale']],
  ['/en/about', ['root', 'locale']],
  ['/CaseSensitive', ['root', 'case']],
  ['/casesensitive', ['root', 'splat']],
  ['/anything/else', ['root', 'splat']],
];

describe('the patched route matcher', () => {
  it('is the patched build (patch-package ran on install)', () => {
    expect(fs.readFileSync(routerPath, 'utf8')).toContain('function rankedBranches(routes)');
  });

  it('ranks static, dynamic, index, optional and splat routes as the router documents', () => {
    const routes = routeTree();
    for (const [pathname, expected] of expectations) {
      expect(ids(router.matchRoutes(routes, pathname)), pathname).toEqual(expected);
      // Again, from the cached branches.
      expect(ids(router.matchRoutes(routes, pathname)), `${pathname} (cached)`).toEqual(expected);
    }
  });

  it('gives each array of the same shape its own route objects', () => {
    const first = routeTree();
    const second = routeTree();
    router.matchRoutes(first, '/coop/a/orders/1');
    const matches = router.matchRoutes(second, '/coop/a/orders/1')!;
    expect(ids(matches)).toEqual(['root', 'coop', 'coop-order']);
    expect(matches[0]!.route).toBe(second[0]);
    expect(matches[1]!.route).toBe(second[0]!.children![5]);
    expect(matches[2]!.route).toBe(second[0]!.children![5]!.children![2]);
    expect(matches[2]!.params).toEqual({ coop: 'a', id: '1' });
  });

  it('does not reuse branches for a tree of another shape', () => {
    const changed = routeTree();
    changed[0]!.children![3]!.path = 'goods/:slug';
    expect(ids(router.matchRoutes(routeTree(), '/products/x'))).toEqual(['root', 'product']);
    expect(ids(router.matchRoutes(changed, '/products/x'))).toEqual(['root', 'splat']);
    expect(ids(router.matchRoutes(changed, '/goods/x'))).toEqual(['root', 'product']);
    const reordered = routeTree();
    reordered[0]!.children!.reverse();
    expect(ids(router.matchRoutes(reordered, '/products/new'))).toEqual(['root', 'products-new']);
    expect(router.matchRoutes(reordered, '/coop/a/orders')![1]!.route).toBe(reordered[0]!.children![3]);
  });

  it('matches a pattern the same with and without the end flag, case-insensitively by default', () => {
    expect(router.matchPath({ path: '/coop/:coop', end: false }, '/coop/a/orders')?.params).toEqual({ coop: 'a' });
    expect(router.matchPath({ path: '/coop/:coop', end: true }, '/coop/a/orders')).toBeNull();
    expect(router.matchPath({ path: '/coop/:coop', end: false }, '/COOP/b')?.params).toEqual({ coop: 'b' });
    expect(router.matchPath({ path: '/coop/:coop', caseSensitive: true, end: false }, '/COOP/b')).toBeNull();
  });
});

describe('the patched Remix server routes (patches/@remix-run+react+*.patch)', () => {
  // The server render's route objects, from the CommonJS build the server loads.
  const routes = require(require.resolve('@remix-run/react/dist/routes.js')) as {
    createServerRoutes: (manifest: object, modules: Record<string, object>, future: object, isSpaMode: boolean) => TestRoute[];
  };
  const manifest = { root: { id: 'root', path: '' }, about: { id: 'about', parentId: 'root', path: 'about' } };
  const modules = { root: { default: () => null }, about: { default: () => null } };
  const future = {};

  it('builds the routes once per manifest while the modules stay the same', () => {
    const first = routes.createServerRoutes(manifest, modules, future, false);
    expect(routes.createServerRoutes(manifest, { ...modules }, future, false)).toBe(first);
    expect(first[0]!.children![0]!.path).toBe('about');
  });

  it('builds them again when a module, the future flags or SPA mode differ', () => {
    const first = routes.createServerRoutes(manifest, modules, future, false);
    const changed = { ...modules, about: { default: () => 'new' } };
    const rebuilt = routes.createServerRoutes(manifest, changed, future, false);
    expect(rebuilt).not.toBe(first);
    expect((rebuilt[0]!.children![0] as { Component?: unknown }).Component).toBe(changed.about.default);
    expect(routes.createServerRoutes(manifest, changed, {}, false)).not.toBe(rebuilt);
    expect(routes.createServerRoutes(manifest, changed, future, true)).not.toBe(rebuilt);
  });
});
