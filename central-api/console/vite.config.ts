import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import { svelte } from '@sveltejs/vite-plugin-svelte'

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url))
// `vite` in this folder proxies the API to a central started with `npm start`.
const CENTRAL = 'http://127.0.0.1:4100'

export default defineConfig({
  root: here('.'),
  // The central serves dist/ at /console (central-api/src/routes/console/static.ts).
  base: '/console/',
  plugins: [svelte({ configFile: here('svelte.config.js') })],
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    // Back-office staff use current Chromium, Firefox or Edge.
    target: 'es2022',
  },
  server: {
    host: '127.0.0.1',
    proxy: { '/api': { target: CENTRAL } },
  },
})
