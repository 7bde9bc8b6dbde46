/** The inner markup of each line element in an html stream, in order. */
export const lineMarkup = (body: string): string[] =>
  [...body.matchAll(/<div data-id="[^"]*">(.*?)<\/div>\n/gs)].map((m) => m[1] ?? '');

/** Markup with its tags removed and its entities decoded: the text a browser shows. */
export const visibleText = (markup: string): string =>
  markup
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
