/** Small pieces shared by the report pages, the coordinator board and the notifications page. */
import { useId, type ReactNode, type SelectHTMLAttributes } from 'react';
import { useTranslation } from '~/utils/use-translation';
import { ErrorList, type ListOfErrors } from '~/components/forms';

export interface SelectOption {
  value: string;
  label: string;
}

export interface SelectGroup {
  label: string | null;
  options: SelectOption[];
}

/** A labelled select, with plain options or optgroups. Pass Conform's `getSelectProps(field)` or plain props. */
export function SelectField({
  label,
  selectProps,
  options = [],
  groups,
  placeholder,
  errors,
  help,
}: {
  label: ReactNode;
  selectProps: SelectHTMLAttributes<HTMLSelectElement> & { key?: string };
  options?: SelectOption[];
  groups?: SelectGroup[];
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
  const renderOptions = (list: SelectOption[]) =>
    list.map((o) => (
      <option key={o.value} value={o.value}>
        {o.label}
      </option>
    ));
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
        {renderOptions(options)}
        {groups?.map((g, i) =>
          g.label === null ? (
            renderOptions(g.options)
          ) : (
            <optgroup key={`${g.label}-${i}`} label={g.label}>
              {renderOptions(g.options)}
            </optgroup>
          ),
        )}
      </select>
      <ErrorList id={errorId} errors={errors} />
    </div>
  );
}

export function ReportStatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return <span className={`report-status report-status--${status}`}>{t(`reports:status.${status}`)}</span>;
}

export function OverdueFlag() {
  const { t } = useTranslation();
  return <span className="report-flag">{t('reports:overdue')}</span>;
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

export function Notice({ children }: { children: ReactNode }) {
  return (
    <p className="form-notice" role="status">
      {children}
    </p>
  );
}

/** The action's reply for the form of one intent, so each of a page's forms shows only its own errors. */
export function resultFor<T extends { initialValue?: Record<string, unknown> | null } | undefined>(lastResult: T, intent: string): T | undefined {
  return lastResult?.initialValue?.intent === intent ? lastResult : undefined;
}
