/**
 * WCAG 2.x contrast, pure: the relative luminance of an sRGB colour, the ratio of two, the
 * colour text really shows over the layers of backgrounds behind it, and the ratio each size
 * of text needs (https://www.w3.org/TR/WCAG22/#dfn-contrast-ratio).
 */

/** A colour with channels 0–255 and alpha 0–1. */
export interface Rgba {
  r: number;
  g: number;
  b: number;
  a: number;
}

/** Reads a computed CSS colour: `rgb(r, g, b)`, `rgba(r, g, b, a)` or `#rrggbb`. */
export function parseColour(text: string): Rgba {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(text.trim());
  if (hex) {
    const [r, g, b] = hex.slice(1).map((part) => parseInt(part, 16)) as [number, number, number];
    return { r, g, b, a: 1 };
  }
  const match =
    /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)$/.exec(
      text.trim(),
    );
  if (!match) throw new Error(`not a colour this reads: ${JSON.stringify(text)}`);
  const alphaText = match[4];
  const a =
    alphaText === undefined
      ? 1
      : alphaText.endsWith('%')
        ? Number(alphaText.slice(0, -1)) / 100
        : Number(alphaText);
  return { r: Number(match[1]), g: Number(match[2]), b: Number(match[3]), a };
}

/** `top` painted over the opaque `bottom` (source-over). */
export function over(top: Rgba, bottom: Rgba): Rgba {
  const mix = (front: number, back: number) => front * top.a + back * (1 - top.a);
  return { r: mix(top.r, bottom.r), g: mix(top.g, bottom.g), b: mix(top.b, bottom.b), a: 1 };
}

/**
 * The opaque colour seen through `layers`, nearest first (an element's background, then its
 * parent's, …), down to the first opaque one; `canvas` below them all.
 */
export function seenBackground(layers: readonly Rgba[], canvas: Rgba): Rgba {
  const opaque = layers.findIndex((layer) => layer.a >= 1);
  const front = opaque === -1 ? layers : layers.slice(0, opaque);
  const base = opaque === -1 ? canvas : (layers[opaque] as Rgba);
  return front.reduceRight((below, layer) => over(layer, below), base);
}

/** The relative luminance of an opaque sRGB colour, 0 (black) to 1 (white). */
export function relativeLuminance({ r, g, b }: Rgba): number {
  const linear = (channel: number) => {
    const c = channel / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

/** The contrast ratio of two opaque colours, 1 to 21, whichever is lighter. */
export function contrastRatio(one: Rgba, other: Rgba): number {
  const [light, dark] = [relativeLuminance(one), relativeLuminance(other)].sort((x, y) => y - x);
  return ((light as number) + 0.05) / ((dark as number) + 0.05);
}

/** Large text (WCAG: at least 18 pt, or 14 pt bold; 1 pt = 4/3 CSS px) needs less contrast. */
export function isLargeText(fontSizePx: number, fontWeight: number): boolean {
  return fontSizePx >= 24 || (fontSizePx >= 56 / 3 && fontWeight >= 700);
}

/** The least ratio WCAG 2.x AA asks of text: 4.5:1, or 3:1 when large. */
export function requiredRatio(fontSizePx: number, fontWeight: number): number {
  return isLargeText(fontSizePx, fontWeight) ? 3 : 4.5;
}

/** The ratio of text of colour `colour` (its alpha times `opacity`) over `layers` and `canvas`. */
export function textContrast(
  colour: Rgba,
  opacity: number,
  layers: readonly Rgba[],
  canvas: Rgba,
): number {
  const background = seenBackground(layers, canvas);
  return contrastRatio(over({ ...colour, a: colour.a * opacity }, background), background);
}
