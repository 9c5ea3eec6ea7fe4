import { defineConfig } from 'vite';
import { lang } from '../src/catalog/index.ts';

// Built with `vite build web` (this folder is the root) into dist/app, which the node serves
// (src/web). JSX goes to Preact through tsconfig.json's jsxImportSource.
export default defineConfig({
  plugins: [
    {
      // index.html leaves out its language: it is the catalog's, so a translation stays one file.
      name: 'catalog-lang',
      transformIndexHtml: (html) => html.replace('<html>', `<html lang="${lang}">`),
    },
  ],
  build: {
    outDir: '../dist/app',
    emptyOutDir: true,
    // Every asset a file with a hashed name: the CSP allows no inline data but images.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
