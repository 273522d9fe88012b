import { defineConfig } from 'vite';

// Built into dashboards/web/dist and served by the gateway (gateway.dashboardDir). No CDN:
// fonts, scripts and styles all come from the gateway, so the CSP can be 'self' only and the
// dashboard works on an air-gapped network.
export default defineConfig({
  root: __dirname,
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, target: 'es2022', chunkSizeWarningLimit: 600 },
  server: { proxy: { '/api': 'http://127.0.0.1:8080', '/ws': { target: 'ws://127.0.0.1:8080', ws: true } } },
});
