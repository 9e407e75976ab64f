import preact from '@preact/preset-vite'
import { defineConfig } from 'vite'

// `npm run dev` serves the portal with hot reload and sends everything else to a running `make run` stack (its
// pass-through serves /config.json and forwards /_cognito/ and the API), so the page stays same-origin with both.
const stack = process.env.BOXOFFICE_URL ?? 'http://127.0.0.1:3000'

export default defineConfig({
  plugins: [preact()],
  // amazon-cognito-identity-js (through its `buffer` dependency) expects Node's `global`.
  define: { global: 'globalThis' },
  build: { target: 'es2022', sourcemap: false, assetsInlineLimit: 0 },
  server: {
    host: '127.0.0.1',
    proxy: Object.fromEntries(['/performances', '/bookings', '/_cognito', '/config.json'].map((p) => [p, stack])),
  },
})
