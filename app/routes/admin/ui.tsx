/**
 * Small pieces shared by the admin console, the review desk and the onboarding pages. A select
 * field belongs beside Field in ~/components/forms (not ours to edit yet).
 */
import type { ReactNode, SelectHTMLAttributes } from 'react';
import { useEffect, useId, useRef, useState } from 'react';
import { useActionData, useLocation } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { ErrorList, type ListOfErrors } from '~/components/forms';

export interface SelectOption {
  value: string;
  label: string;
  disabled?: boolean;
}

/** A labelled select. Pass Conform's `getSelectProps(field)` as `selectProps`. */
export function SelectField({
  label,
  selectProps,
  options,
  placeholder,
  errors,
  help,
}: {
  label: ReactNode;
  selectProps: SelectHTMLAttributes<HTMLSelectElement> & { key?: string };
  options: SelectOption[];
  placeholder?: string;
  errors?: ListOfErrors;
  help?: ReactNode;
}) {
  const fallbackId = useId();
  const { key: _key, ...props } = selectProps;
  const id = props.id ?? fallbackId;
  const errorId = `${id}-error`;
  const helpId = `${id}-help`;
  const invalid = Boolean(errors?.some(Boolean));
  const describedBy = [invalid && errorId, Boolean(help) && helpId].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {help ? (
        <p id={helpId} className="field-help">
          {help}
        </p>
      ) : null}
      <select {...props} id={id} aria-invalid={invalid || undefined} aria-describedby={describedBy}>
        {placeholder !== undefined ? <option value="">{placeholder}</option> : null}
        {options.map((o) => (
          <option key={o.value} value={o.value} disabled={o.disabled}>
            {o.label}
          </option>
        ))}
      </select>
      <ErrorList id={errorId} errors={errors} />
    </div>
  );
}

/** A verification or authorization status as a coloured label. */
export function StatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return <span className={`status status--${status}`}>{t(`onboarding:status.${status}`)}</span>;
}

export function Notice({ children }: { children: ReactNode }) {
  return (
    <p className="form-notice" role="status">
      {children}
    </p>
  );
}

/** A date and time in China's time zone, in the page's language. */
export function DateTime({ value }: { value: string | Date | null | undefined }) {
  const { i18n } = useTranslation();
  if (!value) return <>—</>;
  const date = typeof value === 'string' ? new Date(value) : value;
  return (
    <time dateTime={date.toISOString()}>
      {date.toLocaleString(i18n.language, { timeZone: 'Asia/Shanghai', dateStyle: 'medium', timeStyle: 'short' })}
    </time>
  );
}

/** The submission result for the form of one intent, so each of a page's forms shows only its own errors. */
export function resultFor<T extends { initialValue?: Record<string, unknown> | null } | undefined>(lastResult: T, intent: string): T | undefined {
  return lastResult?.initialValue?.intent === intent ? lastResult : undefined;
}

/**
 * A Conform form id that changes when the page is reached again without action data, i.e. after
 * a successful POST redirected back here: the form then starts afresh instead of keeping stale
 * errors and values. A refused POST keeps the id, so its errors show. A counter rather than the
 * location key, which differs between the server render and hydration.
 */
export function useFormId(base: string): string {
  const { key } = useLocation();
  const actionData = useActionData();
  const seen = useRef(key);
  const [resets, setResets] = useState(0);
  useEffect(() => {
    if (seen.current === key) return;
    seen.current = key;
    if (actionData === undefined) setResets((n) => n + 1);
  }, [key, actionData]);
  return `${base}-${resets}`;
}
