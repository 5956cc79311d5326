/**
 * The header search input with suggestions as you type (ARIA 1.2 combobox with a listbox).
 * Drop it in place of the plain `<input name="q">` inside the header's GET form to /search:
 * without JavaScript it is that plain input and the form submits as before; with JavaScript a
 * debounced fetcher asks /search/suggest and the arrow keys, Enter and Escape drive the list.
 */
import { useFetcher, useNavigate } from '@remix-run/react';
import { useEffect, useId, useRef, useState, type CSSProperties, type KeyboardEvent } from 'react';
import { useTranslation } from '~/utils/use-translation';
import type { SuggestionItem } from '~/routes/search.suggest/route';

const DEBOUNCE_MS = 150;

export interface SearchSuggestInputProps {
  id: string;
  name?: string;
  placeholder?: string;
  defaultValue?: string;
}

const wrapperStyle: CSSProperties = { position: 'relative', flex: 1, minWidth: 0, display: 'flex' };
const listStyle: CSSProperties = {
  position: 'absolute',
  top: '100%',
  left: 0,
  right: 0,
  zIndex: 20,
  margin: '2px 0 0',
  padding: '0.25rem 0',
  listStyle: 'none',
  background: '#fff',
  color: 'var(--ink, #1f1f1f)',
  border: '1px solid var(--line, #e3e0dc)',
  borderRadius: 8,
  boxShadow: '0 6px 18px rgba(0, 0, 0, 0.15)',
  maxHeight: '60vh',
  overflowY: 'auto',
};
const optionStyle = (active: boolean): CSSProperties => ({
  minHeight: 44,
  display: 'flex',
  alignItems: 'center',
  padding: '0 0.75rem',
  cursor: 'pointer',
  background: active ? '#fde7e4' : undefined,
});
const hiddenStyle: CSSProperties = { position: 'absolute', width: 1, height: 1, overflow: 'hidden', clip: 'rect(0 0 0 0)', whiteSpace: 'nowrap' };

function isSuggestionList(data: unknown): data is SuggestionItem[] {
  return Array.isArray(data) && data.every((d) => typeof d?.slug === 'string' && typeof d?.title === 'string');
}

/** The title with the typed text in bold where it occurs as is (cheap: no pinyin on the client). */
function Emphasis({ title, typed }: { title: string; typed: string }) {
  const at = typed ? title.toLowerCase().indexOf(typed.toLowerCase()) : -1;
  if (at < 0) return <>{title}</>;
  return (
    <>
      {title.slice(0, at)}
      <strong>{title.slice(at, at + typed.length)}</strong>
      {title.slice(at + typed.length)}
    </>
  );
}

export function SearchSuggestInput({ id, name = 'q', placeholder, defaultValue }: SearchSuggestInputProps) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const fetcher = useFetcher();
  const listId = `${useId()}-suggestions`;
  const [typed, setTyped] = useState(defaultValue ?? '');
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const timer = useRef<ReturnType<typeof setTimeout>>();
  const suggestions = typed.trim() && isSuggestionList(fetcher.data) ? fetcher.data : [];
  const expanded = open && suggestions.length > 0;

  useEffect(() => () => clearTimeout(timer.current), []);

  function onInput(value: string) {
    setTyped(value);
    setOpen(true);
    setActive(-1);
    clearTimeout(timer.current);
    const q = value.trim();
    if (!q) return;
    timer.current = setTimeout(() => fetcher.load(`/search/suggest?q=${encodeURIComponent(q)}`), DEBOUNCE_MS);
  }

  function choose(index: number) {
    const suggestion = suggestions[index];
    if (!suggestion) return;
    setOpen(false);
    navigate(`/products/${suggestion.slug}`);
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      if (suggestions.length === 0) return;
      event.preventDefault();
      setOpen(true);
      const step = event.key === 'ArrowDown' ? 1 : -1;
      // Positions run from -1 (the input itself) to the last option, and wrap around.
      const positions = suggestions.length + 1;
      setActive((current) => ((current + 1 + step + positions) % positions) - 1);
      return;
    }
    if (event.key === 'Enter' && expanded && active >= 0) {
      event.preventDefault();
      choose(active);
      return;
    }
    if (event.key === 'Escape' && expanded) {
      event.preventDefault();
      setOpen(false);
      setActive(-1);
    }
  }

  return (
    <div style={wrapperStyle}>
      <input
        id={id}
        type="search"
        name={name}
        placeholder={placeholder}
        defaultValue={defaultValue}
        autoComplete="off"
        enterKeyHint="search"
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={expanded}
        aria-controls={listId}
        aria-activedescendant={expanded && active >= 0 && active < suggestions.length ? `${listId}-${active}` : undefined}
        style={{ flex: 1, minWidth: 0 }}
        onChange={(event) => onInput(event.currentTarget.value)}
        onKeyDown={onKeyDown}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
      />
      <ul id={listId} role="listbox" aria-label={t('search:suggest.label')} style={expanded ? listStyle : { display: 'none' }}>
        {suggestions.map((s, i) => (
          <li
            key={s.slug}
            id={`${listId}-${i}`}
            role="option"
            aria-selected={i === active}
            style={optionStyle(i === active)}
            // Keeps the focus in the input, so the click lands before the list closes on blur.
            onMouseDown={(event) => event.preventDefault()}
            onClick={() => choose(i)}
            onMouseEnter={() => setActive(i)}
          >
            <span>
              <Emphasis title={s.title} typed={typed.trim()} />
            </span>
          </li>
        ))}
      </ul>
      <div role="status" aria-live="polite" style={hiddenStyle}>
        {expanded ? t('search:suggest.count', { count: suggestions.length }) : ''}
      </div>
    </div>
  );
}
