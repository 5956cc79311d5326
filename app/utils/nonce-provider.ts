import { createContext, useContext } from 'react';

/** The per-request CSP nonce, set by entry.server for Remix's inline scripts (Epic Stack pattern). */
export const NonceContext = createContext<string>('');
export const NonceProvider = NonceContext.Provider;
export const useNonce = () => useContext(NonceContext);
