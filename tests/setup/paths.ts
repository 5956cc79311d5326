import path from 'node:path';

export const CACHE_DIR = path.resolve('.cache/test');
export const PGLITE_SNAPSHOT = path.join(CACHE_DIR, 'pglite-migrated.tar.gz');
export const PG_TEMPLATE_PREFIX = 'dibiao_test_template';
