/**
 * The Chinese delivery address: 收货人, mobile, province → county, detailed address. Without
 * JavaScript the province is chosen with the "选择" submit button (intent=province), which re-renders
 * the form with the province's counties and every typed value kept; with JavaScript choosing a
 * province submits that button by itself. Shared by /checkout and /account/addresses.
 */
import { getInputProps, getSelectProps, getTextareaProps, type FieldMetadata } from '@conform-to/react';
import { useTranslation } from '~/utils/use-translation';
import { ErrorList, Field, TextareaField } from '~/components/forms';
import type { RegionOptionGroup } from '~/models/addresses.server';

type StringField = FieldMetadata<string | undefined>;

export interface AddressFieldSet {
  recipient: StringField;
  mobile: StringField;
  province: StringField;
  regionCode: StringField;
  detail: StringField;
}

export function AddressFields({
  fields,
  provinces,
  province,
  regionGroups,
}: {
  fields: AddressFieldSet;
  provinces: { code: string; name: string }[];
  province: string | null;
  regionGroups: RegionOptionGroup[];
}) {
  const { t } = useTranslation();
  const submitProvince = (event: React.ChangeEvent<HTMLSelectElement>) => {
    const form = event.currentTarget.form;
    const button = form?.querySelector<HTMLButtonElement>('button[name="intent"][value="province"]');
    if (form && button) form.requestSubmit(button);
  };
  const { key: _provinceKey, ...provinceProps } = getSelectProps(fields.province);
  const { key: _regionKey, ...regionProps } = getSelectProps(fields.regionCode);
  return (
    <div className="address-fields">
      <Field
        label={t('orders:address.recipient')}
        inputProps={{ ...getInputProps(fields.recipient, { type: 'text' }), autoComplete: 'name', maxLength: 30 }}
        errors={fields.recipient.errors}
      />
      <Field
        label={t('orders:address.mobile')}
        inputProps={{ ...getInputProps(fields.mobile, { type: 'tel' }), autoComplete: 'tel-national', inputMode: 'numeric', maxLength: 16 }}
        errors={fields.mobile.errors}
      />
      <div className="field">
        <label htmlFor={provinceProps.id}>{t('orders:address.province')}</label>
        <div className="region-step">
          <select {...provinceProps} key={province ?? ''} defaultValue={province ?? ''} onChange={submitProvince}>
            <option value="">{t('orders:address.chooseProvince')}</option>
            {provinces.map((p) => (
              <option key={p.code} value={p.code}>
                {p.name}
              </option>
            ))}
          </select>
          <button type="submit" name="intent" value="province" formNoValidate className="button button--secondary">
            {t('orders:address.chooseProvinceButton')}
          </button>
        </div>
      </div>
      <div className="field">
        <label htmlFor={regionProps.id}>{t('orders:address.region')}</label>
        <select
          {...regionProps}
          key={`region-${province ?? ''}`}
          disabled={regionGroups.length === 0}
          aria-invalid={fields.regionCode.errors?.length ? true : undefined}
          aria-describedby={fields.regionCode.errors?.length ? `${regionProps.id}-error` : undefined}
        >
          <option value="">{regionGroups.length ? t('orders:address.chooseRegion') : t('orders:address.provinceFirst')}</option>
          {regionGroups.map((group) => (
            <optgroup key={group.label} label={group.label}>
              {group.options.map((o) => (
                <option key={o.code} value={o.code}>
                  {o.name}
                </option>
              ))}
            </optgroup>
          ))}
        </select>
        <ErrorList id={`${regionProps.id}-error`} errors={fields.regionCode.errors} />
      </div>
      <TextareaField
        label={t('orders:address.detail')}
        textareaProps={{ ...getTextareaProps(fields.detail), autoComplete: 'street-address', rows: 2, maxLength: 120, placeholder: t('orders:address.detailPlaceholder') }}
        errors={fields.detail.errors}
      />
    </div>
  );
}
