import { getFormProps, getInputProps, useForm, type SubmissionResult } from '@conform-to/react';
import { Form, Link } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { CheckboxField, FormErrors } from '~/components/forms';
import type { RegionOptionGroup } from '~/models/addresses.server';
import { AddressFields } from '../checkout/address-fields';

interface AddressFormFields {
  recipient: string;
  mobile: string;
  province: string;
  regionCode: string;
  detail: string;
  makeDefault: boolean;
}

export function AddressForm({
  editing,
  provinces,
  province,
  regionGroups,
  lastResult,
}: {
  editing: { id: string; recipient: string; mobile: string; regionCode: string; detail: string; isDefault: boolean } | null;
  provinces: { code: string; name: string }[];
  province: string | null;
  regionGroups: RegionOptionGroup[];
  lastResult?: SubmissionResult<string[]>;
}) {
  const { t } = useTranslation();
  const [form, fields] = useForm<AddressFormFields>({
    id: editing ? `address-${editing.id}` : 'address-new',
    lastResult,
    defaultValue: editing
      ? { recipient: editing.recipient, mobile: editing.mobile, province: province ?? '', regionCode: editing.regionCode, detail: editing.detail, makeDefault: editing.isDefault }
      : { province: province ?? '' },
  });
  return (
    <section aria-labelledby="address-form-heading">
      <h2 id="address-form-heading">{editing ? t('orders:addresses.editTitle') : t('orders:addresses.addTitle')}</h2>
      <Form method="post" className="form" {...getFormProps(form)}>
        {editing ? <input type="hidden" name="addressId" value={editing.id} /> : null}
        <FormErrors id={form.errorId} errors={form.errors} />
        <AddressFields
          fields={{ recipient: fields.recipient, mobile: fields.mobile, province: fields.province, regionCode: fields.regionCode, detail: fields.detail }}
          provinces={provinces}
          province={province}
          regionGroups={regionGroups}
        />
        <CheckboxField label={t('orders:addresses.makeDefault')} inputProps={getInputProps(fields.makeDefault, { type: 'checkbox' })} errors={fields.makeDefault.errors} />
        <p className="form-actions">
          <button type="submit" name="intent" value={editing ? 'update' : 'create'} className="button">
            {t('orders:addresses.save')}
          </button>{' '}
          {editing ? <Link to="/account/addresses">{t('orders:addresses.cancelEdit')}</Link> : null}
        </p>
      </Form>
    </section>
  );
}
