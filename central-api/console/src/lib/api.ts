/**
 * The console's only way to the central (common contract for every page): paths are relative to
 * /api/v1, the session cookie rides along, and state-changing requests carry the CSRF token read
 * from its (non-httpOnly) cookie — the double-submit check in plugins/staff-auth.ts.
 */
export const API_BASE = '/api/v1'
export const CSRF_COOKIE = 'gt_csrf'
export const CSRF_HEADER = 'x-csrf-token'

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

/** Called on every 401 so the shell can return to the sign-in screen. */
let onUnauthenticated: (() => void) | null = null
export function setUnauthenticatedHandler(fn: (() => void) | null): void {
  onUnauthenticated = fn
}

export function readCookie(name: string): string | null {
  if (typeof document === 'undefined') return null
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=')
    if (k === name) return decodeURIComponent(v.join('='))
  }
  return null
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (method !== 'GET') {
    const csrf = readCookie(CSRF_COOKIE)
    if (csrf !== null) headers[CSRF_HEADER] = csrf
  }
  const init: RequestInit = { method, headers, credentials: 'include' }
  if (body !== undefined) {
    headers['content-type'] = 'application/json'
    init.body = JSON.stringify(body)
  }
  let res: Response
  try {
    res = await fetch(`${API_BASE}${path}`, init)
  } catch {
    throw new ApiError(0, 'ERR_NETWORK', 'The central cannot be reached')
  }
  const text = await res.text()
  let data: unknown = null
  if (text !== '') {
    try {
      data = JSON.parse(text)
    } catch {
      data = text
    }
  }
  if (!res.ok) {
    const e = (typeof data === 'object' && data !== null ? data : {}) as { code?: unknown; message?: unknown }
    if (res.status === 401 && onUnauthenticated !== null && !path.startsWith('/console/session')) onUnauthenticated()
    throw new ApiError(res.status, typeof e.code === 'string' ? e.code : `HTTP_${res.status}`, typeof e.message === 'string' ? e.message : res.statusText)
  }
  return data as T
}

export const api = {
  get: <T>(path: string): Promise<T> => request<T>('GET', path),
  post: <T>(path: string, body?: unknown): Promise<T> => request<T>('POST', path, body ?? {}),
  put: <T>(path: string, body?: unknown): Promise<T> => request<T>('PUT', path, body ?? {}),
  patch: <T>(path: string, body?: unknown): Promise<T> => request<T>('PATCH', path, body ?? {}),
  del: <T>(path: string): Promise<T> => request<T>('DELETE', path),
}
