import fs from 'node:fs'
import path from 'node:path'
import Fastify from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { tempDir } from '../../test-support.ts'
import consoleStatic from './static.ts'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

async function appWith(dist: string) {
  const app = Fastify()
  await app.register(consoleStatic, { dist })
  return app
}

describe('the console at /console', () => {
  it('serves the built app, index.html never cached, hashed assets cached for good', async () => {
    const dist = tempDir('gridtill-console-')
    dirs.push(dist)
    fs.mkdirSync(path.join(dist, 'assets'))
    fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>console</title>')
    fs.writeFileSync(path.join(dist, 'assets', 'index-abc123.js'), 'export {}')
    const app = await appWith(dist)
    expect((await app.inject('/console')).headers.location).toBe('/console/')
    const index = await app.inject('/console/')
    expect(index.statusCode).toBe(200)
    expect(index.body).toContain('<title>console</title>')
    expect(index.headers['cache-control']).toBe('no-cache')
    const asset = await app.inject('/console/assets/index-abc123.js')
    expect(asset.headers['cache-control']).toContain('immutable')
    expect((await app.inject('/console/../package.json')).statusCode).not.toBe(200)
    await app.close()
  })

  it('says plainly, in both languages, when the console has not been built', async () => {
    const dist = tempDir('gridtill-console-')
    dirs.push(dist)
    const app = await appWith(dist)
    const res = await app.inject('/console/')
    expect(res.statusCode).toBe(503)
    expect(res.body).toContain('npm run build')
    expect(res.body).toContain('后台控制台尚未构建')
    await app.close()
  })
})
