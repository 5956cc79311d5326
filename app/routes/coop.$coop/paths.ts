/** Portal URLs, for loaders and components alike (so not in a .server module). */
export function productPath(cooperativeSlug: string, productId: number, page = ''): string {
  return `/coop/${cooperativeSlug}/products/${productId}${page ? `/${page}` : ''}`;
}
