/**
 * Form fields for Conform forms: a label, the control and its errors, tied together with
 * aria-invalid and aria-describedby. Error strings may be i18n keys ("auth:errors.x"); they are
 * translated here, and anything that is not a key is shown as written.
 */
import { useId, type InputHTMLAttributes, type LabelHTMLAttributes, type ReactNode, type TextareaHTMLAttributes } from 'react';
import { useTranslation } from '~/utils/use-translation';

export type ListOfErrors = Array<string | null | undefined> | null | undefined;

export function ErrorList({ id, errors, className = 'field-error' }: { id?: string; errors?: ListOfErrors; className?: string }) {
  const { t } = useTranslation();
  const messages = (errors ?? []).filter((e): e is string => Boolean(e));
  if (messages.length === 0) return null;
  return (
    <div id={id} className="error-list">
      {messages.map((message) => (
        <p key={message} className={className}>
          {t(message, { defaultValue: message })}
        </p>
      ))}
    </div>
  );
}

/** Errors of the whole form (not of one field), announced when they appear. */
export function FormErrors({ id, errors }: { id?: string; errors?: ListOfErrors }) {
  if (!errors?.some(Boolean)) return null;
  return (
    <div role="alert">
      <ErrorList id={id} errors={errors} className="form-error" />
    </div>
  );
}

type InputProps = InputHTMLAttributes<HTMLInputElement> & { key?: string };

function describedBy(...ids: (string | false | undefined)[]): string | undefined {
  return ids.filter(Boolean).join(' ') || undefined;
}

/** A labelled input. Pass Conform's `getInputProps(field, { type })` as `inputProps`. */
export function Field({
  label,
  inputProps,
  errors,
  help,
  className = 'field',
}: {
  label: ReactNode;
  inputProps: InputProps;
  errors?: ListOfErrors;
  help?: ReactNode;
  className?: string;
}) {
  const fallbackId = useId();
  // React warns when `key` is spread; Conform's props carry one.
  const { key: _key, ...props } = inputProps;
  const id = props.id ?? fallbackId;
  const errorId = `${id}-error`;
  const helpId = `${id}-help`;
  const invalid = Boolean(errors?.some(Boolean));
  return (
    <div className={className}>
      <label htmlFor={id}>{label}</label>
      {help ? (
        <p id={helpId} className="field-help">
          {help}
        </p>
      ) : null}
      <input {...props} id={id} aria-invalid={invalid || undefined} aria-describedby={describedBy(invalid && errorId, Boolean(help) && helpId)} />
      <ErrorList id={errorId} errors={errors} />
    </div>
  );
}

/** A labelled textarea. Pass Conform's `getTextareaProps(field)` as `textareaProps`. */
export function TextareaField({
  label,
  textareaProps,
  errors,
  className = 'field',
}: {
  label: ReactNode;
  textareaProps: TextareaHTMLAttributes<HTMLTextAreaElement> & { key?: string };
  errors?: ListOfErrors;
  className?: string;
}) {
  const fallbackId = useId();
  const { key: _key, ...props } = textareaProps;
  const id = props.id ?? fallbackId;
  const errorId = `${id}-error`;
  const invalid = Boolean(errors?.some(Boolean));
  return (
    <div className={className}>
      <label htmlFor={id}>{label}</label>
      <textarea {...props} id={id} aria-invalid={invalid || undefined} aria-describedby={invalid ? errorId : undefined} />
      <ErrorList id={errorId} errors={errors} />
    </div>
  );
}

/** A checkbox with its label beside it. Pass `getInputProps(field, { type: 'checkbox' })`. */
export function CheckboxField({
  label,
  inputProps,
  errors,
  labelProps,
}: {
  label: ReactNode;
  inputProps: InputProps;
  errors?: ListOfErrors;
  labelProps?: LabelHTMLAttributes<HTMLLabelElement>;
}) {
  const fallbackId = useId();
  const { key: _key, ...props } = inputProps;
  const id = props.id ?? fallbackId;
  const errorId = `${id}-error`;
  const invalid = Boolean(errors?.some(Boolean));
  return (
    <div className="field">
      <div className="checkbox">
        <input
          {...props}
          type="checkbox"
          id={id}
          aria-invalid={invalid || undefined}
          aria-describedby={invalid ? errorId : undefined}
        />
        <label {...labelProps} htmlFor={id}>
          {label}
        </label>
      </div>
      <ErrorList id={errorId} errors={errors} />
    </div>
  );
}
