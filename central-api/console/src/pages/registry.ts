/**
 * Every console page, the roles that see it in the navigation and how to load it. Pages load
 * lazily so a cashier's browser never downloads the admin screens. The server decides access
 * (each route's staffRoles); `roles` here only keeps the navigation honest.
 *
 * Pages built by other areas are listed once their file exists (a static import of a missing
 * file would break the build).
 */
import type { Component } from 'svelte'
import type { StaffRole } from '../lib/session.svelte.ts'

export interface PageEntry {
  id: string
  roles: readonly StaffRole[]
  title: { 'zh-CN': string; en: string }
  component: () => Promise<{ default: Component }>
}

export const pages: readonly PageEntry[] = [
  {
    id: 'customers',
    roles: ['admin', 'support', 'cashier', 'auditor'],
    title: { 'zh-CN': '客户与电表', en: 'Customers & meters' },
    component: () => import('./customers/CustomersPage.svelte'),
  },
  {
    id: 'import',
    roles: ['admin'],
    title: { 'zh-CN': 'CSV 导入', en: 'CSV import' },
    component: () => import('./customers/ImportPage.svelte'),
  },
  {
    id: 'tariffs',
    roles: ['admin', 'support', 'auditor'],
    title: { 'zh-CN': '电价', en: 'Tariffs' },
    component: () => import('./tariffs/TariffsPage.svelte'),
  },
  {
    id: 'staff',
    roles: ['admin'],
    title: { 'zh-CN': '员工', en: 'Staff' },
    component: () => import('./staff/StaffPage.svelte'),
  },
  {
    id: 'cash',
    roles: ['admin', 'cashier', 'auditor'],
    title: { 'zh-CN': '现金对账', en: 'Cash reconciliation' },
    component: () => import('./reconciliation/ReconciliationPage.svelte'),
  },
  {
    id: 'analytics',
    roles: ['admin', 'support', 'auditor'],
    title: { 'zh-CN': '用电分析', en: 'Usage analytics' },
    component: () => import('./analytics/AnalyticsPage.svelte'),
  },
  {
    id: 'meters',
    roles: ['admin', 'support', 'auditor', 'field'],
    title: { 'zh-CN': '电表', en: 'Meters' },
    component: () => import('./meters/MetersPage.svelte'),
  },
  {
    id: 'field-ops',
    roles: ['field', 'admin', 'support'],
    title: { 'zh-CN': '现场运维', en: 'Field operations' },
    component: () => import('./field-ops/FieldOpsPage.svelte'),
  },
  {
    id: 'audit',
    roles: ['admin', 'auditor'],
    title: { 'zh-CN': '审计日志', en: 'Audit log' },
    component: () => import('./audit/AuditPage.svelte'),
  },
]

export function pagesFor(role: StaffRole): PageEntry[] {
  return pages.filter((p) => p.roles.includes(role))
}
