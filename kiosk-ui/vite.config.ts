import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import { svelte } from '@sveltejs/vite-plugin-svelte'

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url))
// The kiosk agent serves dist/ and answers /ws and /sim on this address (npm start, demo mode).
const AGENT = 'http://127.0.0.1:4200'

export default defineConfig({
  root: here('.'),
  base: './',
  plugins: [svelte()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Chromium in kiosk mode (Debian's) is the only browser this UI meets.
    target: 'chrome120',
    rolldownOptions: {
      input: { index: here('index.html'), panel: here('panel.html') },
      treeshake: {
        // @gridtill/shared is pure (DESIGN.md: no side effects, no Node or DOM APIs); saying so lets
        // the TypeBox schemas the UI never uses, and TypeBox with them, drop out of the bundle.
        moduleSideEffects: (id: string) => !/[\\/]shared[\\/]src[\\/]/.test(id),
      },
    },
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/ws': { target: AGENT, ws: true },
      '/sim': { target: AGENT },
    },
  },
})
