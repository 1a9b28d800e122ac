/**
 * The back-office console (central-api/console, built by `npm run build`) at /console. When it has
 * not been built, /console answers a short bilingual page saying so, instead of a bare 404.
 */
import fastifyStatic from '@fastify/static'
import type { FastifyPluginAsync } from 'fastify'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const CONSOLE_DIST = fileURLToPath(new URL('../../../console/dist/', import.meta.url))

const NOT_BUILT = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>GridTill 后台 · Back office</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;line-height:1.6">
<h1>后台控制台尚未构建</h1><p>请在仓库根目录运行 <code>npm run build</code>，然后刷新此页。</p>
<h1 lang="en">The console has not been built</h1><p lang="en">Run <code>npm run build</code> at the repository root, then reload this page.</p>
</body></html>`

const consoleStatic: FastifyPluginAsync<{ dist?: string }> = async (app, opts) => {
  const dist = opts.dist ?? CONSOLE_DIST
  const hide = { schema: { hide: true }, config: { access: 'public' as const } }
  app.get('/console', hide, (_req, reply) => reply.redirect('/console/'))
  if (!existsSync(`${dist}/index.html`)) {
    app.get('/console/*', hide, (_req, reply) => reply.code(503).type('text/html; charset=utf-8').send(NOT_BUILT))
    return
  }
  await app.register(fastifyStatic, {
    root: dist,
    prefix: '/console/',
    decorateReply: false,
    // Hashed asset names change with every build; index.html must never be cached stale.
    setHeaders: (reply, path) => {
      void reply.header('cache-control', path.endsWith('.html') ? 'no-cache' : 'public, max-age=31536000, immutable')
    },
    schemaHide: true,
  })
}

export default consoleStatic
