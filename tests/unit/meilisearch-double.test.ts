/**
 * The Meilisearch double refuses what Meilisearch refuses, in Meilisearch's words and shapes
 * (messages taken from Meilisearch's own tests, see API-FACTS.md), so the adapter's tests cannot
 * pass against the double while a real server would answer 400.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMeilisearchDouble, type MeilisearchDouble } from '../doubles/meilisearch-double';

let double: MeilisearchDouble;
let counter = 0;

beforeAll(async () => {
  double = await startMeilisearchDouble({ masterKey: 'unit-master-key' });
});
afterAll(async () => {
  await double.close();
});

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function call(method: string, path: string, body?: unknown, init: { key?: string | null; contentType?: string | null; raw?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  const key = init.key === undefined ? double.masterKey : init.key;
  if (key) headers.Authorization = `Bearer ${key}`;
  const contentType = init.contentType === undefined ? 'application/json' : init.contentType;
  if (contentType && (body !== undefined || init.raw !== undefined)) headers['Content-Type'] = contentType;
  const text = init.raw ?? (body === undefined ? undefined : JSON.stringify(body));
  // As bytes, fetch adds no Content-Type of its own.
  const response = await fetch(`${double.url}${path}`, { method, headers, body: text === undefined ? undefined : new TextEncoder().encode(text) });
  const answer = await response.text();
  return { status: response.status, body: answer ? (JSON.parse(answer) as Record<string, unknown>) : {} };
}

function expectError(answer: Answer, status: number, code: string, type = 'invalid_request') {
  expect(answer.status).toBe(status);
  expect(Object.keys(answer.body).sort()).toEqual(['code', 'link', 'message', 'type']);
  expect(answer.body).toMatchObject({ code, type, link: `https://docs.meilisearch.com/errors#${code}` });
  expect(typeof answer.body.message).toBe('string');
}

async function waitTask(uid: unknown) {
  for (;;) {
    const task = await call('GET', `/tasks/${String(uid)}`);
    if (task.body.status !== 'enqueued' && task.body.status !== 'processing') return task.body;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A fresh index with settings applied, and its uid. */
async function index(settings: Record<string, unknown> = {}, documents: Record<string, unknown>[] = []): Promise<string> {
  const uid = `unit_${counter++}`;
  const created = await call('POST', '/indexes', { uid, primaryKey: 'id' });
  expect((await waitTask(created.body.taskUid)).status).toBe('succeeded');
  if (Object.keys(settings).length) expect((await waitTask((await call('PATCH', `/indexes/${uid}/settings`, settings)).body.taskUid)).status).toBe('succeeded');
  if (documents.length) expect((await waitTask((await call('POST', `/indexes/${uid}/documents`, documents)).body.taskUid)).status).toBe('succeeded');
  return uid;
}

describe('Meilisearch double: authentication', () => {
  it('answers /health without a key', async () => {
    const answer = await call('GET', '/health', undefined, { key: null });
    expect(answer).toEqual({ status: 200, body: { status: 'available' } });
  });

  it('refuses a request without an Authorization header with 401 missing_authorization_header', async () => {
    const answer = await call('GET', '/indexes', undefined, { key: null });
    expectError(answer, 401, 'missing_authorization_header', 'auth');
    expect(answer.body.message).toBe('The Authorization header is missing. It must use the bearer authorization method.');
  });

  it('refuses a wrong key with 403 invalid_api_key', async () => {
    const answer = await call('GET', '/indexes', undefined, { key: 'not-the-key' });
    expectError(answer, 403, 'invalid_api_key', 'auth');
    expect(answer.body.message).toBe('The provided API key is invalid.');
  });
});

describe('Meilisearch double: payloads', () => {
  it('refuses malformed JSON, a missing body and a wrong Content-Type', async () => {
    const uid = await index();
    expectError(await call('POST', `/indexes/${uid}/search`, undefined, { raw: '{"q": ' }), 400, 'malformed_payload');
    expectError(await call('POST', `/indexes/${uid}/search`, undefined, { raw: '' }), 400, 'missing_payload');
    const wrongType = await call('POST', `/indexes/${uid}/search`, { q: 'x' }, { contentType: 'text/plain' });
    expectError(wrongType, 415, 'invalid_content_type');
    const noType = await call('POST', `/indexes/${uid}/search`, { q: 'x' }, { contentType: null });
    expectError(noType, 415, 'missing_content_type');
  });

  it('refuses an unknown search field with bad_request', async () => {
    const uid = await index();
    const answer = await call('POST', `/indexes/${uid}/search`, { marin: 'hello' });
    expectError(answer, 400, 'bad_request');
    expect(answer.body.message).toMatch(/^Unknown field `marin`: expected one of `q`, /);
  });

  it('refuses search values of the wrong type with the field-specific code and message', async () => {
    const uid = await index();
    const limit = await call('POST', `/indexes/${uid}/search`, { limit: 'doggo' });
    expectError(limit, 400, 'invalid_search_limit');
    expect(limit.body.message).toBe('Invalid value type at `.limit`: expected a positive integer, but found a string: `"doggo"`');
    const q = await call('POST', `/indexes/${uid}/search`, { q: ['doggo'] });
    expectError(q, 400, 'invalid_search_q');
    expect(q.body.message).toBe('Invalid value type at `.q`: expected a string, but found an array: `["doggo"]`');
    expectError(await call('POST', `/indexes/${uid}/search`, { hitsPerPage: -1 }), 400, 'invalid_search_hits_per_page');
    expectError(await call('POST', `/indexes/${uid}/search`, { page: 1.5 }), 400, 'invalid_search_page');
    expectError(await call('POST', `/indexes/${uid}/search`, { attributesToHighlight: 'title' }), 400, 'invalid_search_attributes_to_highlight');
    expectError(await call('POST', `/indexes/${uid}/search`, { highlightPreTag: ['<em>'] }), 400, 'invalid_search_highlight_pre_tag');
    const strategy = await call('POST', `/indexes/${uid}/search`, { matchingStrategy: 'doggo' });
    expectError(strategy, 400, 'invalid_search_matching_strategy');
    expect(strategy.body.message).toBe('Unknown value `doggo` at `.matchingStrategy`: expected one of `last`, `all`, `frequency`');
    const filter = await call('POST', `/indexes/${uid}/search`, { filter: true });
    expectError(filter, 400, 'invalid_search_filter');
    expect(filter.body.message).toBe('Invalid syntax for the filter parameter: `expected String, Array, found: true`.');
    const locale = await call('POST', `/indexes/${uid}/search`, { locales: ['invalid'] });
    expectError(locale, 400, 'invalid_search_locales');
    expect(locale.body.message).toMatch(/^Unknown value `invalid` at `\.locales\[0\]`: expected one of `af`, .*`zho`, `zul`, `cmn`$/);
  });

  it('answers 404 index_not_found for a search on a missing index', async () => {
    const answer = await call('POST', '/indexes/DOES_NOT_EXISTS/search', { q: 'hello' });
    expectError(answer, 404, 'index_not_found');
    expect(answer.body.message).toBe('Index `DOES_NOT_EXISTS` not found.');
  });

  it('answers 501 rather than pretending for search features it does not model', async () => {
    const uid = await index();
    expectError(await call('POST', `/indexes/${uid}/search`, { distinct: 'title' }), 501, 'double_not_implemented', 'internal');
  });
});

describe('Meilisearch double: filters, sorts and facets', () => {
  it('refuses a filter on an attribute that is not filterable, naming the patterns', async () => {
    const uid = await index({ filterableAttributes: ['title', 'id'] });
    const answer = await call('POST', `/indexes/${uid}/search`, { filter: 'color = red' });
    expectError(answer, 400, 'invalid_search_filter');
    expect(answer.body.message).toBe(`Index \`${uid}\`: Attribute \`color\` is not filterable. Available filterable attribute patterns are: \`id\`, \`title\`.\n1:6 color = red`);
  });

  it('refuses filter syntax errors', async () => {
    const uid = await index({ filterableAttributes: ['title'] });
    const operator = await call('POST', `/indexes/${uid}/search`, { filter: ['title & Glass'] });
    expectError(operator, 400, 'invalid_search_filter');
    expect(operator.body.message).toMatch(/^Was expecting an operation `=`, `!=`/);
    const trailing = await call('POST', `/indexes/${uid}/search`, { filter: 'title = Glass XOR title = Glass' });
    expectError(trailing, 400, 'invalid_search_filter');
    expect(trailing.body.message).toMatch(/^Found unexpected characters at the end of the filter: `XOR title = Glass`/);
    expectError(await call('POST', `/indexes/${uid}/search`, { filter: 'title = "unclosed' }), 400, 'invalid_search_filter');
    expectError(await call('POST', `/indexes/${uid}/search`, { filter: [['title = a', 3]] }), 400, 'invalid_search_filter');
  });

  it('refuses comparisons an object-form filterable rule does not allow', async () => {
    const uid = await index({ filterableAttributes: [{ attributePatterns: ['price'], features: { facetSearch: false, filter: { equality: true } } }] });
    const answer = await call('POST', `/indexes/${uid}/search`, { filter: 'price > 2' });
    expectError(answer, 400, 'invalid_search_filter');
    expect(answer.body.message).toMatch(/^Index `.+`: Filter operator `>` is not allowed for the attribute `price`\./);
  });

  it('evaluates =, IN, TO, NOT, AND and OR with quoted and escaped values', async () => {
    const uid = await index({ filterableAttributes: ['name', 'price', 'tags'] }, [
      { id: 1, name: 'Say "hi"', price: 10, tags: ['a', 'b'] },
      { id: 2, name: 'back\\slash', price: 20, tags: ['b'] },
      { id: 3, name: 'plain', price: 30, tags: [] },
    ]);
    const ids = async (filter: unknown) =>
      ((await call('POST', `/indexes/${uid}/search`, { filter })).body.hits as { id: number }[]).map((h) => h.id).sort();
    expect(await ids('name = "Say \\"hi\\""')).toEqual([1]);
    expect(await ids('name = "back\\\\slash"')).toEqual([2]);
    expect(await ids('name = PLAIN')).toEqual([3]);
    expect(await ids('price 15 TO 30')).toEqual([2, 3]);
    expect(await ids('tags IN [a, x]')).toEqual([1]);
    expect(await ids('NOT tags = b')).toEqual([3]);
    expect(await ids('price = 10 OR price = 30 AND tags IS EMPTY')).toEqual([1, 3]);
    expect(await ids(['price >= 20', ['tags = b', 'name = plain']])).toEqual([2, 3]);
  });

  it('refuses sorting on an attribute that is not sortable and malformed sort expressions', async () => {
    const uid = await index({ sortableAttributes: ['id'] });
    const unsortable = await call('POST', `/indexes/${uid}/search`, { sort: ['title:asc'] });
    expectError(unsortable, 400, 'invalid_search_sort');
    expect(unsortable.body.message).toBe(`Index \`${uid}\`: Attribute \`title\` is not sortable. Available sortable attributes are: \`id\`.`);
    const syntax = await call('POST', `/indexes/${uid}/search`, { sort: ['title'] });
    expectError(syntax, 400, 'invalid_search_sort');
    expect(syntax.body.message).toBe('Invalid syntax for the sort parameter: expected expression ending by `:asc` or `:desc`, found `title`.');
  });

  it('refuses facets on attributes that are not filterable', async () => {
    const uid = await index({ filterableAttributes: ['title', 'genres'] });
    const answer = await call('POST', `/indexes/${uid}/search`, { facets: ['doggo', 'neko'] });
    expectError(answer, 400, 'invalid_search_facets');
    expect(answer.body.message).toBe(
      'Invalid facet distribution: Attributes `doggo, neko` are not filterable. Available filterable attributes patterns are: `genres, title`.',
    );
  });

  it('counts facet values over every match, with stats for numbers, and answers page mode', async () => {
    const uid = await index({ filterableAttributes: ['kind', 'price', 'hot'], sortableAttributes: ['price'] }, [
      { id: 1, kind: 'tea', price: 30, hot: true },
      { id: 2, kind: 'tea', price: 10, hot: false },
      { id: 3, kind: 'rice', price: 20, hot: true },
    ]);
    const answer = await call('POST', `/indexes/${uid}/search`, { facets: ['kind', 'price', 'hot'], sort: ['price:asc'], page: 1, hitsPerPage: 2 });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      hitsPerPage: 2,
      page: 1,
      totalPages: 2,
      totalHits: 3,
      facetDistribution: { kind: { rice: 1, tea: 2 }, hot: { false: 1, true: 2 } },
      facetStats: { price: { min: 10, max: 30 } },
    });
    expect((answer.body.hits as { id: number }[]).map((h) => h.id)).toEqual([2, 3]);
    expect(answer.body).not.toHaveProperty('estimatedTotalHits');
  });
});

describe('Meilisearch double: search', () => {
  it('matches whole words, the last word as a prefix, and a run of Chinese characters as one word', async () => {
    const uid = await index({}, [
      { id: 1, title: '湖北秭归脐橙', en: 'Navel oranges' },
      { id: 2, title: '脐橙', en: 'oranges' },
    ]);
    const ids = async (q: string) => ((await call('POST', `/indexes/${uid}/search`, { q })).body.hits as { id: number }[]).map((h) => h.id).sort();
    expect(await ids('脐橙')).toEqual([2]);
    expect(await ids('湖北')).toEqual([1]);
    expect(await ids('nav')).toEqual([1]);
    expect(await ids('nav ')).toEqual([]);
  });

  it('tolerates typos by word length, applies synonyms and the matching strategy', async () => {
    const uid = await index({ synonyms: { 桔: ['橘'], 橘: ['桔'] } }, [
      { id: 1, title: 'orange juice' },
      { id: 2, title: '橘' },
      { id: 3, title: 'orange' },
    ]);
    const ids = async (body: Record<string, unknown>) => ((await call('POST', `/indexes/${uid}/search`, body)).body.hits as { id: number }[]).map((h) => h.id).sort();
    expect(await ids({ q: 'orenge ' })).toEqual([1, 3]);
    expect(await ids({ q: 'jiuce ' })).toEqual([]);
    expect(await ids({ q: '桔' })).toEqual([2]);
    expect(await ids({ q: 'orange juice', matchingStrategy: 'all' })).toEqual([1]);
    expect(await ids({ q: 'orange juice' })).toEqual([1, 3]);
  });

  it('searches only attributes of the requested locale or of none when locales are given', async () => {
    const uid = await index({ localizedAttributes: [{ attributePatterns: ['ja'], locales: ['jpn'] }] }, [{ id: 1, ja: '進撃', zh: '进击' }]);
    const hits = async (body: Record<string, unknown>) => ((await call('POST', `/indexes/${uid}/search`, body)).body.hits as unknown[]).length;
    expect(await hits({ q: '進撃', locales: ['cmn'] })).toBe(0);
    expect(await hits({ q: '進撃', locales: ['jpn'] })).toBe(1);
    expect(await hits({ q: '进击', locales: ['cmn'] })).toBe(1);
  });

  it('wraps matches in the highlight tags in _formatted and formats numbers as strings', async () => {
    const uid = await index({}, [{ id: 7, title: 'Hello world' }]);
    const answer = await call('POST', `/indexes/${uid}/search`, { q: 'hel', attributesToHighlight: ['title'], highlightPreTag: '[', highlightPostTag: ']' });
    expect(answer.body.hits).toEqual([{ id: 7, title: 'Hello world', _formatted: { id: '7', title: '[Hel]lo world' } }]);
  });
});

describe('Meilisearch double: settings', () => {
  it('refuses unknown settings and values of the wrong type', async () => {
    const uid = `unit_settings_${counter++}`;
    expectError(await call('PATCH', `/indexes/${uid}/settings`, { rankingRule: [] }), 400, 'bad_request');
    const rules = await call('PATCH', `/indexes/${uid}/settings`, { rankingRules: 'words' });
    expectError(rules, 400, 'invalid_settings_ranking_rules');
    expect(rules.body.message).toBe('Invalid value type at `.rankingRules`: expected an array, but found a string: `"words"`');
    expectError(await call('PATCH', `/indexes/${uid}/settings`, { rankingRules: ['words', 'attribute', 'attributeRank'] }), 400, 'invalid_settings_ranking_rules');
    expectError(await call('PATCH', `/indexes/${uid}/settings`, { typoTolerance: { enabled: 'yes' } }), 400, 'invalid_settings_typo_tolerance');
    expectError(await call('PATCH', `/indexes/${uid}/settings`, { typoTolerance: { minWordSizeForTypos: { oneTypo: 6, twoTypos: 5 } } }), 400, 'invalid_settings_typo_tolerance');
    expectError(await call('PATCH', `/indexes/${uid}/settings`, { faceting: { sortFacetValuesBy: { '*': 'random' } } }), 400, 'invalid_settings_faceting');
    expectError(await call('PATCH', `/indexes/${uid}/settings`, { filterableAttributes: [{ features: {} }] }), 400, 'invalid_settings_filterable_attributes');
  });

  it('refuses localized attributes with an unknown locale or a missing field, and accepts cmn', async () => {
    const uid = `unit_locales_${counter++}`;
    const unknown = await call('PATCH', `/indexes/${uid}/settings`, { localizedAttributes: [{ attributePatterns: ['*_zh'], locales: ['japan'] }] });
    expectError(unknown, 400, 'invalid_settings_localized_attributes');
    expect(unknown.body.message).toMatch(/^Unknown value `japan` at `\.localizedAttributes\[0\]\.locales\[0\]`: expected one of `af`, /);
    const notArray = await call('PATCH', `/indexes/${uid}/settings`, { localizedAttributes: [{ attributePatterns: ['*_zh'], locales: 'jpn' }] });
    expect(notArray.body.message).toBe('Invalid value type at `.localizedAttributes[0].locales`: expected an array, but found a string: `"jpn"`');
    const missing = await call('PATCH', `/indexes/${uid}/settings`, { localizedAttributes: [{ locales: ['jpn'] }] });
    expect(missing.body.message).toBe('Missing field `attributePatterns` inside `.localizedAttributes[0]`');
    const ok = await call('PATCH', `/indexes/${uid}/settings`, { localizedAttributes: [{ attributePatterns: ['title'], locales: ['cmn'] }] });
    expect(ok.status).toBe(202);
    expect(await waitTask(ok.body.taskUid)).toMatchObject({ status: 'succeeded', type: 'settingsUpdate' });
    expect((await call('GET', `/indexes/${uid}/settings`)).body.localizedAttributes).toEqual([{ attributePatterns: ['title'], locales: ['cmn'] }]);
  });
});

describe('Meilisearch double: tasks', () => {
  it('answers writes with 202 and a summarized task that then succeeds', async () => {
    const uid = `unit_task_${counter++}`;
    const answer = await call('POST', '/indexes', { uid, primaryKey: 'id' });
    expect(answer.status).toBe(202);
    expect(Object.keys(answer.body).sort()).toEqual(['enqueuedAt', 'indexUid', 'status', 'taskUid', 'type']);
    expect(answer.body).toMatchObject({ indexUid: uid, status: 'enqueued', type: 'indexCreation' });
    const task = await waitTask(answer.body.taskUid);
    expect(task).toMatchObject({ uid: answer.body.taskUid, indexUid: uid, status: 'succeeded', type: 'indexCreation', error: null, canceledBy: null });
    expect(task.duration).toMatch(/^PT[\d.]+S$/);
    expect(Date.parse(String(task.finishedAt))).toBeGreaterThanOrEqual(Date.parse(String(task.startedAt)));
  });

  it('answers 404 task_not_found for an unknown task', async () => {
    expectError(await call('GET', '/tasks/999999'), 404, 'task_not_found');
  });

  it('fails the task of a duplicate index with index_already_exists', async () => {
    const uid = await index();
    const task = await waitTask((await call('POST', '/indexes', { uid })).body.taskUid);
    expect(task.status).toBe('failed');
    expect(task.error).toEqual({
      message: `Index \`${uid}\` already exists.`,
      code: 'index_already_exists',
      type: 'invalid_request',
      link: 'https://docs.meilisearch.com/errors#index_already_exists',
    });
  });

  it('fails a whole document batch with an invalid id, indexing none of it', async () => {
    const uid = await index();
    const task = await waitTask((await call('POST', `/indexes/${uid}/documents`, [{ id: 1 }, { id: 'bad id' }])).body.taskUid);
    expect(task).toMatchObject({ status: 'failed', details: { receivedDocuments: 2, indexedDocuments: 0 }, error: { code: 'invalid_document_id' } });
    expect(double.documents(uid)).toEqual([]);
  });

  it('fails primary key inference when several fields end with id', async () => {
    const uid = `unit_pk_${counter++}`;
    const task = await waitTask((await call('POST', `/indexes/${uid}/documents`, [{ id: 1, cooperativeId: 2 }])).body.taskUid);
    expect(task).toMatchObject({ status: 'failed', error: { code: 'index_primary_key_multiple_candidates_found' } });
  });

  it('refuses swaps that are not pairs or repeat an index, and fails the task when indexes are missing', async () => {
    expectError(await call('POST', '/swap-indexes', [{ indexes: ['a'] }]), 400, 'invalid_swap_indexes');
    expectError(await call('POST', '/swap-indexes', [{ indexes: ['a', 'b'] }, { indexes: ['b', 'c'] }]), 400, 'invalid_swap_duplicate_index_found');
    const task = await waitTask((await call('POST', '/swap-indexes', [{ indexes: ['missing_e', 'missing_f'], rename: false }])).body.taskUid);
    expect(task).toMatchObject({ status: 'failed', indexUid: null, type: 'indexSwap', error: { code: 'index_not_found', message: 'Indexes `missing_e`, `missing_f` not found.' } });
  });

  it('swaps two indexes atomically', async () => {
    const a = await index({}, [{ id: 1 }]);
    const b = await index({ sortableAttributes: ['id'] }, [{ id: 2 }, { id: 3 }]);
    expect((await waitTask((await call('POST', '/swap-indexes', [{ indexes: [a, b] }])).body.taskUid)).status).toBe('succeeded');
    expect(double.documents(a)).toEqual([{ id: 2 }, { id: 3 }]);
    expect(double.documents(b)).toEqual([{ id: 1 }]);
    expect(double.settings(a)?.sortableAttributes).toEqual(['id']);
  });

  it('refuses deleting documents by an empty filter', async () => {
    const uid = await index();
    expectError(await call('POST', `/indexes/${uid}/documents/delete`, { filter: '' }), 400, 'bad_request');
    expectError(await call('POST', `/indexes/${uid}/documents/delete`, {}), 400, 'missing_document_filter');
  });

  it('fails the next task on demand with the documented error shape', async () => {
    const uid = await index();
    double.failNextTask('internal');
    const task = await waitTask((await call('POST', `/indexes/${uid}/documents`, [{ id: 1 }])).body.taskUid);
    expect(task).toMatchObject({ status: 'failed', error: { code: 'internal', type: 'internal', link: 'https://docs.meilisearch.com/errors#internal' } });
    expect(double.documents(uid)).toEqual([]);
  });
});

describe('Meilisearch double: outages', () => {
  it('refuses connections while down and finishes queued tasks once back', async () => {
    const uid = await index();
    double.setLatency(30);
    const enqueued = await call('POST', `/indexes/${uid}/documents`, [{ id: 1 }]);
    double.setLatency(0);
    await double.setDown(true);
    await expect(fetch(`${double.url}/health`)).rejects.toThrow();
    await double.setDown(false);
    expect((await waitTask(enqueued.body.taskUid)).status).toBe('succeeded');
    expect(double.documents(uid)).toEqual([{ id: 1 }]);
  });

  it('answers 503 in unavailable mode', async () => {
    await double.setDown(true, 'unavailable');
    expect((await fetch(`${double.url}/health`)).status).toBe(503);
    await double.setDown(false);
    expect((await fetch(`${double.url}/health`)).status).toBe(200);
  });
});
