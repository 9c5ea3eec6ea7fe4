/**
 * Run in the page (page.evaluate): every piece of text a visitor sees, with what its contrast
 * depends on. Self-contained, as playwright sends its source alone.
 */

/** One element's own text and the colours behind it, as computed. */
export interface TextSample {
  /** Tag, id and classes, to find it again. */
  what: string;
  text: string;
  colour: string;
  /** The element's opacity times its ancestors'. */
  opacity: number;
  /** Background colours, the element's first, then its ancestors' up to the root. */
  layers: string[];
  /** The colour under everything (the canvas of the page's colour scheme). */
  canvas: string;
  /** A background image sits behind the text before any opaque colour: not measurable. */
  overImage: boolean;
  fontSizePx: number;
  fontWeight: number;
}

// The DOM as this function uses it (this code's types are Node's, not the DOM's).
interface PageElement {
  tagName: string;
  id: string;
  className: unknown;
  parentElement: PageElement | null;
  childNodes: Iterable<{ nodeType: number; textContent: string | null }>;
  value?: string;
  type?: string;
  placeholder?: string;
  style: { background: string };
  closest(selector: string): PageElement | null;
  checkVisibility(options: { visibilityProperty: boolean }): boolean;
  getBoundingClientRect(): { width: number; height: number; right: number; bottom: number };
  append(child: PageElement): void;
  remove(): void;
}
interface Style {
  color: string;
  backgroundColor: string;
  backgroundImage: string;
  opacity: string;
  fontSize: string;
  fontWeight: string;
}
declare const document: {
  body: PageElement;
  querySelectorAll(selector: string): Iterable<PageElement>;
  createElement(tag: string): PageElement;
};
declare const getComputedStyle: (element: PageElement, pseudo?: string) => Style;
declare const scrollY: number;

export function collectText(): TextSample[] {
  // The canvas colour of the page's scheme, as the browser resolves it.
  const probe = document.createElement('div');
  probe.style.background = 'Canvas';
  document.body.append(probe);
  const canvas = getComputedStyle(probe).backgroundColor;
  probe.remove();
  const FIELDS = new Set(['INPUT', 'TEXTAREA']);
  const samples: TextSample[] = [];
  for (const element of document.querySelectorAll('body *')) {
    if (['SCRIPT', 'STYLE', 'OPTION', 'svg'].includes(element.tagName)) continue;
    const own = [...element.childNodes]
      .filter((node) => node.nodeType === 3)
      .map((node) => node.textContent ?? '')
      .join('')
      .trim();
    const isField =
      FIELDS.has(element.tagName) && !['checkbox', 'radio'].includes(element.type ?? '');
    const value = isField ? (element.value ?? '').trim() : '';
    const placeholder = isField && !value ? (element.placeholder ?? '').trim() : '';
    const text = own || value || placeholder;
    if (!text) continue;
    // WCAG exempts disabled controls; hidden and off-screen text is not seen.
    if (element.closest('[disabled], [aria-hidden="true"]')) continue;
    if (!element.checkVisibility({ visibilityProperty: true })) continue;
    const box = element.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1 || box.right <= 0 || box.bottom + scrollY <= 0) continue;
    const style = getComputedStyle(element, placeholder ? '::placeholder' : undefined);
    const layers: string[] = [];
    let opacity = 1;
    let overImage = false;
    let opaqueSeen = false;
    for (let at: PageElement | null = element; at; at = at.parentElement) {
      const layer = getComputedStyle(at);
      opacity *= Number(layer.opacity);
      if (!opaqueSeen && layer.backgroundImage !== 'none') overImage = true;
      if (/^rgb\(/.test(layer.backgroundColor)) opaqueSeen = true;
      layers.push(layer.backgroundColor);
    }
    const classes =
      typeof element.className === 'string' && element.className
        ? `.${element.className.trim().split(/\s+/).join('.')}`
        : '';
    samples.push({
      what: `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''}${classes}${placeholder ? '::placeholder' : ''}`,
      text: text.slice(0, 40),
      colour: style.color,
      opacity,
      layers,
      canvas,
      overImage,
      fontSizePx: parseFloat(style.fontSize),
      fontWeight: Number(style.fontWeight),
    });
  }
  return samples;
}
