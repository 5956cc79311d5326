import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { CSV_COLUMNS, CSV_MAX_BYTES, CSV_MAX_ROWS, importProductsCsv, type CsvProblem } from '~/models/product-csv.server';
import { requirePortalAccess } from '~/routes/coop.$coop/access.server';
import { Notice, withNotice } from '~/routes/coop.$coop/notice';
import { parseMultipartForm, UploadError } from '~/utils/uploads.server';

export const handle = { i18n: ['coop'] };

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { cooperative } = await requirePortalAccess(request, context.app, params);
  return { slug: cooperative.slug, columns: [...CSV_COLUMNS], maxRows: CSV_MAX_ROWS, maxMegabytes: CSV_MAX_BYTES / 1024 / 1024 };
}

type ImportFailure = { formError: string } | { problems: CsvProblem[] };

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { app } = context;
  const { cooperative, ctx } = await requirePortalAccess(request, app, params);
  let file: FormDataEntryValue | null;
  try {
    file = (await parseMultipartForm(request, { maxFileBytes: CSV_MAX_BYTES })).get('file');
  } catch (error) {
    if (error instanceof UploadError) return data<ImportFailure>({ formError: 'coop:import.tooLarge' }, { status: 413 });
    throw error;
  }
  if (!(file instanceof File) || file.size === 0) return data<ImportFailure>({ formError: 'coop:import.noFile' }, { status: 400 });
  const result = await importProductsCsv(app.db, ctx, cooperative.id, new Uint8Array(await file.arrayBuffer()));
  if (!result.ok) return data<ImportFailure>({ problems: result.problems }, { status: 400 });
  const { productsCreated, productsUpdated, variantsCreated, variantsUpdated, stockAdjusted } = result;
  return redirect(
    withNotice(`/coop/${cooperative.slug}/import`, 'imported', { created: productsCreated, updated: productsUpdated, variants: variantsCreated + variantsUpdated, stock: stockAdjusted }),
  );
}

export default function ImportExport() {
  const { slug, columns, maxRows, maxMegabytes } = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>();
  const navigation = useNavigation();
  const { t } = useTranslation();
  return (
    <section className="coop-import">
      <h2>{t('coop:import.title')}</h2>
      <Notice />
      <h3>{t('coop:export.title')}</h3>
      <p>{t('coop:export.intro')}</p>
      <p>
        <a href={`/coop/${slug}/export`} className="button button--secondary" download>
          {t('coop:export.download')}
        </a>
      </p>

      <h3>{t('coop:import.upload')}</h3>
      <p>{t('coop:import.intro', { max: maxRows, size: maxMegabytes })}</p>
      <details className="coop-columns">
        <summary>{t('coop:import.columnsTitle')}</summary>
        <dl>
          {columns.map((c) => (
            <div key={c}>
              <dt>
                <code>{c}</code>
              </dt>
              <dd>{t(`coop:import.columns.${c}`)}</dd>
            </div>
          ))}
        </dl>
      </details>
      <Form method="post" encType="multipart/form-data" className="form coop-form">
        {failure && 'formError' in failure ? (
          <p className="form-error" role="alert">
            {t(failure.formError)}
          </p>
        ) : null}
        <div className="field">
          <label htmlFor="import-file">{t('coop:import.file')}</label>
          <input id="import-file" type="file" name="file" accept=".csv,text/csv" required />
        </div>
        <button type="submit" className="button" disabled={navigation.state === 'submitting'}>
          {t('coop:import.submit')}
        </button>
      </Form>

      {failure && 'problems' in failure ? (
        <div className="coop-report" role="alert">
          <h3>{t('coop:import.reportTitle', { count: failure.problems.length })}</h3>
          <p>{t('coop:import.nothingChanged')}</p>
          <div className="coop-table-wrap">
            <table className="coop-table">
              <thead>
                <tr>
                  <th scope="col">{t('coop:import.line')}</th>
                  <th scope="col">{t('coop:import.column')}</th>
                  <th scope="col">{t('coop:import.reason')}</th>
                </tr>
              </thead>
              <tbody>
                {failure.problems.map((p, i) => (
                  <tr key={`${p.line}-${p.column}-${i}`}>
                    <td>{p.line || '—'}</td>
                    <td>{p.column ? <code>{p.column}</code> : '—'}</td>
                    <td>{t(`coop:csv.${p.code}`, p.params ?? {})}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      ) : null}
    </section>
  );
}
