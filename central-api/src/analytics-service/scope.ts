/**
 * Scopes: which meters a question is about (everything, a site, a building, a unit or one meter)
 * and at which level its rows are grouped. Keys are paths because unit names repeat across
 * buildings: site, 'site/building', 'site/building/unit'; a meter is its number.
 */
import type { EstateMeter } from '../storage/analytics-repository.ts'

export type Level = 'meter' | 'unit' | 'building' | 'site'

export const unitKey = (m: Pick<EstateMeter, 'site' | 'building' | 'unit'>): string =>
  `${m.site}/${m.building}/${m.unit}`
export const buildingKey = (m: Pick<EstateMeter, 'site' | 'building'>): string =>
  `${m.site}/${m.building}`

export function groupKey(m: EstateMeter, level: Level): string {
  switch (level) {
    case 'meter':
      return m.meterNo
    case 'unit':
      return unitKey(m)
    case 'building':
      return buildingKey(m)
    case 'site':
      return m.site
  }
}

/** The meters inside `within` (empty: all): a site, building or unit key, or a meter number. */
export function metersWithin(estate: readonly EstateMeter[], within: string): EstateMeter[] {
  if (within === '') return [...estate]
  return estate.filter(
    (m) =>
      m.meterNo === within ||
      m.site === within ||
      buildingKey(m) === within ||
      unitKey(m) === within,
  )
}

export interface ScopeTree {
  sites: {
    key: string
    name: string
    buildings: {
      key: string
      name: string
      units: {
        key: string
        name: string
        areaM2: number | null
        meters: { meterNo: string; profile: string }[]
      }[]
    }[]
  }[]
}

export function scopeTree(estate: readonly EstateMeter[]): ScopeTree {
  type Unit = { areaM2: number | null; meters: { meterNo: string; profile: string }[] }
  const sites = new Map<string, Map<string, Map<string, Unit>>>()
  for (const m of estate) {
    let b = sites.get(m.site)
    if (b === undefined) sites.set(m.site, (b = new Map<string, Map<string, Unit>>()))
    let u = b.get(m.building)
    if (u === undefined) b.set(m.building, (u = new Map<string, Unit>()))
    let unit = u.get(m.unit)
    if (unit === undefined) u.set(m.unit, (unit = { areaM2: m.areaM2, meters: [] }))
    unit.meters.push({ meterNo: m.meterNo, profile: m.profile })
  }
  return {
    sites: [...sites].map(([site, buildings]) => ({
      key: site,
      name: site,
      buildings: [...buildings].map(([building, units]) => ({
        key: `${site}/${building}`,
        name: building,
        units: [...units].map(([unit, v]) => ({
          key: `${site}/${building}/${unit}`,
          name: unit,
          areaM2: v.areaM2,
          meters: v.meters,
        })),
      })),
    })),
  }
}
