/**
 * The demo deployment (GRIDTILL_DEMO=1): seeded once into an empty database from shared's demo
 * data, so the kiosk, the card drawer and the meter fleet simulator all see the same estate.
 */
import fs from 'node:fs'
import path from 'node:path'
import { CURRENCY, DEMO_KIOSK, DEMO_SITE, DEMO_STAFF_CARDS, DEMO_STS, DEMO_TARIFF, demoCustomers, formatKeyHex, keyBits, panFor, type TariffDefinition } from '@gridtill/shared'
import { DEFAULT_TIME_ZONE } from '../analytics/calendar.ts'
import { writeDemoHistory } from '../analytics-service/demo-history.ts'
import type { MeterProgramming } from '../meter-link/meter-programming.ts'
import { hashEnrollmentCode } from '../plugins/enrollment-code.ts'
import type { SecurityModule } from '../security-module/index.ts'
import { meterKeyParams } from '../vending/token-minter.ts'
import type { Repository, SeedPlan } from './repository.ts'

export const DEMO_KIOSK_ID = 'K001'
export const DEMO_VENDING_KEY_ID = `vk-${DEMO_STS.sgc}-krn${DEMO_STS.krn}`
/** The demo tariffs are in force from well before any demo clock. */
export const DEMO_TARIFF_FROM = Date.UTC(2020, 0, 1)

/** The residents' flat tariff: ¥0.60/kWh, no VAT, no charges (the browser test buys 116.6 kWh for ¥70). */
export const DEMO_FLAT_TARIFF: TariffDefinition = {
  name: DEMO_TARIFF.name,
  currency: CURRENCY,
  pricing: { kind: 'flat', priceFenPerKwh: DEMO_TARIFF.priceFenPerKwh },
  vatRateBasisPoints: 0,
  fixedMonthlyChargeFen: 0,
  debtRecoveryBasisPoints: 0,
  freeBasicKwhPerMonth: 0,
  minVendFen: DEMO_TARIFF.minVendFen,
  maxVendFen: DEMO_TARIFF.maxVendFen,
}

/**
 * The shops' tariff, so the demo exercises the whole engine: monthly blocks, 13 % VAT on energy,
 * a ¥10 monthly fixed charge taken from the first purchase of the month, 20 % debt recovery.
 */
export const DEMO_SHOP_TARIFF: TariffDefinition = {
  name: '商业阶梯电价 Commercial blocks',
  currency: CURRENCY,
  pricing: {
    kind: 'block',
    period: 'monthly',
    settlementDay: 1,
    blocks: [
      { upToKwh: 300, priceFenPerKwh: 80 },
      { upToKwh: 800, priceFenPerKwh: 95 },
      { upToKwh: null, priceFenPerKwh: 120 },
    ],
  },
  vatRateBasisPoints: 1300,
  fixedMonthlyChargeFen: 1000,
  debtRecoveryBasisPoints: 2000,
  freeBasicKwhPerMonth: 0,
  minVendFen: 1000,
  maxVendFen: 500_000,
}

/** Demo staff for the two-person requests (reversals, refunds) until the console has sign-in. */
export const DEMO_STAFF = [
  { id: 'S001', name: '周主管 Zhou (admin)', role: 'admin' as const },
  { id: 'S002', name: '陈客服 Chen (support)', role: 'support' as const },
  { id: 'S003', name: '王会计 Wang (cashier)', role: 'cashier' as const },
]

/** The seed as plain data: deterministic apart from the enrolment code's salted hash. */
export function demoSeedPlan(meterCount: number, at: number, enrollmentCodeHash: string): SeedPlan {
  const customers = demoCustomers(meterCount)
  const buildingOf = (unitName: string): string => {
    const n = Number(unitName.split('-')[0])
    const b = DEMO_SITE.buildings[n - 1]
    if (b === undefined) throw new Error(`demo unit ${unitName} has no building`)
    return b
  }
  const id = (prefix: string, i: number) => `${prefix}${String(i + 1).padStart(5, '0')}`
  return {
    at,
    site: { name: DEMO_SITE.name, kind: DEMO_SITE.kind, buildings: [...DEMO_SITE.buildings] },
    units: customers.flatMap((c) => c.meters.map((m) => ({ building: buildingOf(m.unitName), name: m.unitName }))),
    tariffs: [
      { name: DEMO_FLAT_TARIFF.name, effectiveFrom: DEMO_TARIFF_FROM, definition: DEMO_FLAT_TARIFF },
      { name: DEMO_SHOP_TARIFF.name, effectiveFrom: DEMO_TARIFF_FROM, definition: DEMO_SHOP_TARIFF },
    ],
    // Customers with a shop meter buy on the commercial tariff; everyone else on the flat one.
    customers: customers.map((c, i) => ({
      id: id('C', i),
      name: c.name,
      accountId: id('A', i),
      tariffName: c.meters.some((m) => m.profile === 'shop') ? DEMO_SHOP_TARIFF.name : DEMO_FLAT_TARIFF.name,
    })),
    staff: DEMO_STAFF,
    meters: customers.flatMap((c, i) =>
      c.meters.map((m) => ({
        meterNo: m.meterNo,
        building: buildingOf(m.unitName),
        unitName: m.unitName,
        accountId: id('A', i),
        profile: m.profile,
        vendingKeyId: DEMO_VENDING_KEY_ID,
        iin: DEMO_STS.iin,
        sgc: DEMO_STS.sgc,
        ti: DEMO_STS.ti,
        krn: DEMO_STS.krn,
        kt: DEMO_STS.kt,
        ea: m.ea,
        dkga: DEMO_STS.dkga,
        baseDate: DEMO_STS.baseDate,
        ken: DEMO_STS.ken,
      })),
    ),
    cards: [
      ...customers.map((c, i) => ({ kind: 'resident' as const, cardNo: c.cardNo, uid: c.cardUid, accountId: id('A', i) })),
      ...DEMO_STAFF_CARDS.map((s) => ({ kind: 'staff' as const, cardNo: s.cardNo, uid: s.cardUid, staffName: s.name, staffRole: s.role })),
    ],
    kiosks: [{ id: DEMO_KIOSK_ID, name: DEMO_KIOSK.name, location: DEMO_KIOSK.location, enrollmentCodeHash }],
  }
}

/** Seeds when the database is empty; returns whether it did. */
export async function seedDemoIfEmpty(
  repo: Repository,
  keys: { importVendingKey(keyId: string, vendingKey: Uint8Array): Promise<void> },
  meterCount: number,
  now: number,
  timeZone = DEFAULT_TIME_ZONE,
  options: { history?: boolean } = {},
): Promise<boolean> {
  if (!(await repo.isEmpty())) return false
  // The vending key first: meters reference it. Importing again after a crash just replaces it.
  await keys.importVendingKey(DEMO_VENDING_KEY_ID, new Uint8Array(Buffer.from(DEMO_STS.vendingKeyHex, 'hex')))
  // Two instances starting together on one empty database: only one seeds.
  const seeded = await repo.seed(demoSeedPlan(meterCount, now, await hashEnrollmentCode(DEMO_KIOSK.enrollmentCode)), { onlyIfEmpty: true })
  // A year of usage history, so the console's analytics have something to show (issue 10).
  if (seeded && (options.history ?? true)) await writeDemoHistory(repo, timeZone, now)
  return seeded
}

/** Every meter's programming, decoder key included (demo and simulators only). */
export async function exportMeterProgramming(repo: Repository, sm: SecurityModule): Promise<MeterProgramming[]> {
  const out: MeterProgramming[] = []
  for (const m of await repo.listMeters()) {
    const key = await sm.deriveDecoderKey(meterKeyParams(m), m.vendingKeyId)
    out.push({
      meterNo: m.meterNo,
      pan: panFor(m.iin, m.meterNo),
      ea: m.ea,
      dkHex: formatKeyHex(key.dk, keyBits(key.ea)),
      baseDate: m.baseDate,
      ken: m.ken,
      kt: m.kt,
      krn: m.krn,
      ti: m.ti,
      sgc: m.sgc,
      profile: m.profile,
    })
  }
  return out
}

/** Writes the file atomically with mode 0600: it holds decoder keys. */
export function writeMeterFleetFile(file: string, programming: MeterProgramming[]): void {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const tmp = `${file}.${process.pid}.tmp`
  fs.writeFileSync(tmp, `${JSON.stringify(programming, null, 2)}\n`, { mode: 0o600 })
  fs.chmodSync(tmp, 0o600)
  fs.renameSync(tmp, file)
}
