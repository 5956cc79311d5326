/** The product's own fields, shared by the new-product and edit forms. */
import { getInputProps, getSelectProps, getTextareaProps, type FieldMetadata } from '@conform-to/react';
import { useTranslation } from '~/utils/use-translation';
import { ErrorList, Field, TextareaField } from '~/components/forms';

export interface ProductFormChoices {
  categories: { slug: string; nameZh: string; nameEn: string }[];
  /** GIs the cooperative may claim, plus the product's current one (possibly no longer claimable). */
  gis: { id: number; name: string; nameEn: string | null; claimable: boolean }[];
  regionName: string | null;
}

type ProductFieldset = {
  title: FieldMetadata<string>;
  titleEn: FieldMetadata<string | undefined>;
  categorySlug: FieldMetadata<string>;
  giId: FieldMetadata<number | undefined>;
  originRegionCode: FieldMetadata<string>;
  description: FieldMetadata<string | undefined>;
  shippingNote: FieldMetadata<string | undefined>;
};

export function SelectField({ label, field, children, help }: { label: string; field: FieldMetadata<unknown>; children: React.ReactNode; help?: string }) {
  const { key: _key, ...props } = getSelectProps(field);
  const invalid = Boolean(field.errors?.length);
  return (
    <div className="field">
      <label htmlFor={field.id}>{label}</label>
      {help ? (
        <p id={`${field.id}-help`} className="field-help">
          {help}
        </p>
      ) : null}
      <select {...props} aria-invalid={invalid || undefined} aria-describedby={[invalid && field.errorId, help && `${field.id}-help`].filter(Boolean).join(' ') || undefined}>
        {children}
      </select>
      <ErrorList id={field.errorId} errors={field.errors} />
    </div>
  );
}

export function ProductFields({ fields, choices }: { fields: ProductFieldset; choices: ProductFormChoices }) {
  const { t, i18n } = useTranslation();
  const english = i18n.language === 'en';
  return (
    <>
      <Field label={t('coop:product.title')} inputProps={{ ...getInputProps(fields.title, { type: 'text' }), maxLength: 80 }} errors={fields.title.errors} />
      <Field label={t('coop:product.titleEn')} inputProps={{ ...getInputProps(fields.titleEn, { type: 'text' }), maxLength: 80, lang: 'en' }} errors={fields.titleEn.errors} />
      <SelectField label={t('coop:product.category')} field={fields.categorySlug}>
        <option value="">{t('coop:product.choose')}</option>
        {choices.categories.map((c) => (
          <option key={c.slug} value={c.slug}>
            {english ? c.nameEn : c.nameZh}
          </option>
        ))}
      </SelectField>
      <SelectField label={t('coop:product.gi')} field={fields.giId} help={t('coop:product.giHelp')}>
        <option value="">{t('coop:product.noGi')}</option>
        {choices.gis.map((gi) => (
          <option key={gi.id} value={gi.id}>
            {(english && gi.nameEn) || gi.name}
            {gi.claimable ? '' : ` ${t('coop:product.giNotClaimable')}`}
          </option>
        ))}
      </SelectField>
      <Field
        label={t('coop:product.origin')}
        help={choices.regionName ? t('coop:product.originHelpNamed', { name: choices.regionName }) : t('coop:product.originHelp')}
        inputProps={{ ...getInputProps(fields.originRegionCode, { type: 'text' }), inputMode: 'numeric', pattern: '\\d{6}', maxLength: 6 }}
        errors={fields.originRegionCode.errors}
      />
      <TextareaField label={t('coop:product.description')} textareaProps={{ ...getTextareaProps(fields.description), rows: 5, maxLength: 5000 }} errors={fields.description.errors} />
      <TextareaField label={t('coop:product.shippingNote')} textareaProps={{ ...getTextareaProps(fields.shippingNote), rows: 2, maxLength: 500 }} errors={fields.shippingNote.errors} />
    </>
  );
}
