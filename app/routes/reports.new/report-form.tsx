import { getCollectionProps, getFormProps, getInputProps, getSelectProps, getTextareaProps, useForm, type SubmissionResult } from '@conform-to/react';
import { Form } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import type { z } from 'zod';
import { ErrorList, Field, FormErrors, TextareaField } from '~/components/forms';
import { SelectField, type SelectGroup } from '../reports.$id/ui';
import type { reportFormSchema } from './schema';

export interface ReportFormProps {
  lastResult: SubmissionResult<string[]> | undefined;
  options: { kinds: readonly string[]; causes: readonly string[]; units: readonly string[]; severities: readonly string[] };
  regionGroups: { label: string | null; options: { code: string; name: string; level: number }[] }[];
  choices: { cooperatives: { id: number; legalName: string }[]; products: { id: number; title: string; cooperativeId: number }[] };
  defaults: { contactName: string; contactPhone: string };
  canFileOnBehalf: boolean;
  today: string;
  maxAttachments: number;
  maxMegabytes: number;
}

/** The filing form: plain fields in fieldsets, working without JavaScript. */
export function ReportForm({ lastResult, options, regionGroups, choices, defaults, canFileOnBehalf, today, maxAttachments, maxMegabytes }: ReportFormProps) {
  const { t } = useTranslation();
  const [form, fields] = useForm<z.input<ReturnType<typeof reportFormSchema>>>({
    id: 'file-report',
    lastResult,
    defaultValue: { ...defaults, quantityUnit: 'kg', severity: 'medium' },
  });
  const kindProps = getCollectionProps(fields.kind, { type: 'radio', options: [...options.kinds] });
  const coopProps = new Map(
    getCollectionProps(fields.cooperativeIds, { type: 'checkbox', options: choices.cooperatives.map((c) => String(c.id)) }).map((p) => [p.value, p]),
  );
  const productProps = new Map(
    getCollectionProps(fields.productIds, { type: 'checkbox', options: choices.products.map((p) => String(p.id)) }).map((p) => [p.value, p]),
  );
  const groups: SelectGroup[] = regionGroups.map((g) => ({
    label: g.label ?? t('reports:form.directlyUnder'),
    options: g.options.map((o) => ({
      value: o.code,
      label: o.level === 1 ? t('reports:form.wholeProvince', { name: o.name }) : o.level === 2 ? t('reports:form.wholeCity', { name: o.name }) : o.name,
    })),
  }));
  const optionsOf = (list: readonly string[], ns: string) => list.map((value) => ({ value, label: t(`reports:${ns}.${value}`) }));
  const { key: _attachmentsKey, ...attachmentProps } = getInputProps(fields.attachments, { type: 'file' });

  return (
    <Form method="post" encType="multipart/form-data" className="form report-form" {...getFormProps(form)}>
      <FormErrors id={form.errorId} errors={form.errors} />

      <fieldset aria-describedby={fields.kind.errors ? fields.kind.errorId : undefined}>
        <legend>{t('reports:form.kindLegend')}</legend>
        <ul className="choice-list">
          {kindProps.map(({ key, ...props }) => (
            <li key={key}>
              <div className="checkbox">
                <input {...props} id={`kind-${props.value}`} />
                <label htmlFor={`kind-${props.value}`}>
                  <strong>{t(`reports:kind.${props.value}`)}</strong>
                  <br />
                  <span className="field-help">{t(`reports:kindHelp.${props.value}`)}</span>
                </label>
              </div>
            </li>
          ))}
        </ul>
        <ErrorList id={fields.kind.errorId} errors={fields.kind.errors} />
        <SelectField
          label={t('reports:form.cause')}
          help={t('reports:form.causeHelp')}
          selectProps={getSelectProps(fields.cause)}
          placeholder={t('reports:form.choose')}
          options={optionsOf(options.causes, 'cause')}
          errors={fields.cause.errors}
        />
      </fieldset>

      <fieldset>
        <legend>{t('reports:form.placeLegend')}</legend>
        <SelectField
          label={t('reports:form.region')}
          help={t('reports:form.regionHelp')}
          selectProps={getSelectProps(fields.regionCode)}
          placeholder={t('reports:form.choose')}
          groups={groups}
          errors={fields.regionCode.errors}
        />
        <Field
          label={t('reports:form.placeDetail')}
          help={t('reports:form.placeDetailHelp')}
          inputProps={{ ...getInputProps(fields.placeDetail, { type: 'text' }), maxLength: 200 }}
          errors={fields.placeDetail.errors}
        />
      </fieldset>

      <fieldset>
        <legend>{t('reports:form.affectedLegend')}</legend>
        {choices.cooperatives.length === 0 ? (
          <p className="field-help">{t('reports:form.noCooperatives')}</p>
        ) : (
          <>
            <p className="field-help">{t('reports:form.affectedHelp')}</p>
            <ul className="choice-list">
              {choices.cooperatives.map((coop) => {
                const { key: _key, ...props } = coopProps.get(String(coop.id))!;
                const own = choices.products.filter((p) => p.cooperativeId === coop.id);
                return (
                  <li key={coop.id}>
                    <div className="checkbox">
                      <input {...props} id={`coop-${coop.id}`} />
                      <label htmlFor={`coop-${coop.id}`}>{coop.legalName}</label>
                    </div>
                    {own.length > 0 ? (
                      <ul className="choice-list choice-list--nested">
                        {own.map((product) => {
                          const { key: _pkey, ...pprops } = productProps.get(String(product.id))!;
                          return (
                            <li key={product.id}>
                              <div className="checkbox">
                                <input {...pprops} id={`product-${product.id}`} />
                                <label htmlFor={`product-${product.id}`}>{product.title}</label>
                              </div>
                            </li>
                          );
                        })}
                      </ul>
                    ) : null}
                  </li>
                );
              })}
            </ul>
          </>
        )}
        <ErrorList id={fields.cooperativeIds.errorId} errors={fields.cooperativeIds.errors} />
        <ErrorList id={fields.productIds.errorId} errors={fields.productIds.errors} />
      </fieldset>

      <fieldset>
        <legend>{t('reports:form.quantityLegend')}</legend>
        <div className="inline-fields">
          <Field
            label={t('reports:form.quantityAtRisk')}
            inputProps={{ ...getInputProps(fields.quantityAtRisk, { type: 'number' }), min: 0, step: 1, inputMode: 'numeric' }}
            errors={fields.quantityAtRisk.errors}
          />
          <SelectField label={t('reports:form.quantityUnit')} selectProps={getSelectProps(fields.quantityUnit)} options={optionsOf(options.units, 'unit')} />
        </div>
        <Field
          label={t('reports:form.daysUntilLoss')}
          inputProps={{ ...getInputProps(fields.daysUntilLoss, { type: 'number' }), min: 0, max: 365, step: 1, inputMode: 'numeric' }}
          errors={fields.daysUntilLoss.errors}
        />
        <Field label={t('reports:form.deadline')} inputProps={{ ...getInputProps(fields.deadline, { type: 'date' }), min: today }} errors={fields.deadline.errors} />
        <SelectField label={t('reports:form.severity')} selectProps={getSelectProps(fields.severity)} options={optionsOf(options.severities, 'severity')} />
      </fieldset>

      <fieldset>
        <legend>{t('reports:form.detailLegend')}</legend>
        <Field
          label={t('reports:form.summary')}
          help={t('reports:form.summaryHelp')}
          inputProps={{ ...getInputProps(fields.summary, { type: 'text' }), maxLength: 80 }}
          errors={fields.summary.errors}
        />
        <TextareaField label={t('reports:form.description')} textareaProps={{ ...getTextareaProps(fields.description), rows: 5, maxLength: 4000 }} errors={fields.description.errors} />
        <Field
          label={t('reports:form.attachments')}
          help={t('reports:form.attachmentsHelp', { count: maxAttachments, megabytes: maxMegabytes })}
          inputProps={{ ...attachmentProps, multiple: true, accept: 'image/jpeg,image/png,image/webp,application/pdf' }}
          errors={fields.attachments.errors}
        />
      </fieldset>

      <fieldset>
        <legend>{t('reports:form.contactLegend')}</legend>
        <Field label={t('reports:form.contactName')} inputProps={{ ...getInputProps(fields.contactName, { type: 'text' }), autoComplete: 'name', maxLength: 50 }} errors={fields.contactName.errors} />
        <Field
          label={t('reports:form.contactPhone')}
          inputProps={{ ...getInputProps(fields.contactPhone, { type: 'tel' }), autoComplete: 'tel', inputMode: 'tel' }}
          errors={fields.contactPhone.errors}
        />
        {canFileOnBehalf ? (
          <Field
            label={t('reports:form.filedForName')}
            help={t('reports:form.filedForNameHelp')}
            inputProps={{ ...getInputProps(fields.filedForName, { type: 'text' }), maxLength: 80 }}
            errors={fields.filedForName.errors}
          />
        ) : null}
      </fieldset>

      <button type="submit" className="button">
        {t('reports:form.submit')}
      </button>
    </Form>
  );
}
