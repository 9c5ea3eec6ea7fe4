import { defineConfig } from 'vite';

// Built with `vite build web` (this folder is the root) into dist/app, which the node serves
// (src/web). JSX goes to Preact through tsconfig.json's jsxImportSource.
export default defineConfig({
  build: {
    outDir: '../dist/app',
    emptyOutDir: true,
    // Every asset a file with a hashed name: the CSP allows no inline data but images.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
