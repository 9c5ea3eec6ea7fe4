import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  contrastRatio,
  isLargeText,
  over,
  parseColour,
  relativeLuminance,
  requiredRatio,
  seenBackground,
  textContrast,
} from './contrast.js';

const WHITE = parseColour('#ffffff');
const BLACK = parseColour('#000000');
const near = (actual: number, expected: number, digits = 2) =>
  assert.equal(actual.toFixed(digits), expected.toFixed(digits), `${actual} ≈ ${expected}`);

void describe('WCAG contrast', () => {
  it('reads computed colours, with and without alpha', () => {
    assert.deepEqual(parseColour('rgb(27, 31, 36)'), { r: 27, g: 31, b: 36, a: 1 });
    assert.deepEqual(parseColour('rgba(0, 0, 0, 0)'), { r: 0, g: 0, b: 0, a: 0 });
    assert.deepEqual(parseColour('rgb(10 20 30 / 50%)'), { r: 10, g: 20, b: 30, a: 0.5 });
    assert.deepEqual(parseColour('#0550AE'), { r: 5, g: 80, b: 174, a: 1 });
    assert.throws(() => parseColour('oklch(0.5 0.1 200)'), /not a colour this reads/);
  });

  it('gives the luminance of the sRGB primaries and the ends', () => {
    near(relativeLuminance(BLACK), 0);
    near(relativeLuminance(WHITE), 1);
    near(relativeLuminance(parseColour('#ff0000')), 0.2126, 4);
    near(relativeLuminance(parseColour('#00ff00')), 0.7152, 4);
    near(relativeLuminance(parseColour('#0000ff')), 0.0722, 4);
  });

  // Pairs with published ratios (WebAIM's contrast checker).
  for (const [fg, bg, ratio] of [
    ['#000000', '#ffffff', 21],
    ['#ffffff', '#ffffff', 1],
    ['#767676', '#ffffff', 4.54],
    ['#777777', '#ffffff', 4.48],
    ['#0000ff', '#ffffff', 8.59],
    ['#ff0000', '#ffffff', 4],
    ['#808080', '#ffffff', 3.95],
  ] as const) {
    it(`${fg} on ${bg} is ${ratio}:1, either way round`, () => {
      near(contrastRatio(parseColour(fg), parseColour(bg)), ratio);
      near(contrastRatio(parseColour(bg), parseColour(fg)), ratio);
    });
  }

  it('composes see-through layers down to the first opaque one', () => {
    const halfBlack = { ...BLACK, a: 0.5 };
    assert.deepEqual(over(halfBlack, WHITE), { r: 127.5, g: 127.5, b: 127.5, a: 1 });
    // The layer under the first opaque one does not show.
    assert.deepEqual(seenBackground([{ ...WHITE, a: 0 }, WHITE, BLACK], BLACK), WHITE);
    assert.deepEqual(seenBackground([halfBlack, WHITE], BLACK), over(halfBlack, WHITE));
    // Nothing opaque: the canvas shows through.
    assert.deepEqual(seenBackground([{ ...WHITE, a: 0 }], BLACK), BLACK);
  });

  it('fades text by its alpha and opacity before measuring', () => {
    near(textContrast(BLACK, 1, [WHITE], BLACK), 21);
    near(textContrast(BLACK, 0, [WHITE], BLACK), 1);
    near(
      textContrast({ ...BLACK, a: 0.5 }, 1, [WHITE], BLACK),
      textContrast(BLACK, 0.5, [WHITE], BLACK),
    );
    assert.ok(textContrast(BLACK, 0.6, [WHITE], BLACK) < 21);
  });

  it('asks 4.5:1 of normal text and 3:1 of large (18 pt, or 14 pt bold)', () => {
    assert.equal(requiredRatio(16, 400), 4.5);
    assert.equal(requiredRatio(16, 700), 4.5);
    assert.equal(requiredRatio(24, 400), 3);
    assert.equal(requiredRatio(18.67, 700), 3);
    assert.equal(requiredRatio(18.67, 600), 4.5);
    assert.equal(isLargeText(23.9, 400), false);
  });
});
