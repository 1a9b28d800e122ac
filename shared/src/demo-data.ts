/**
 * The demo deployment that `npm start` seeds on first start, and that the hardware simulator panel
 * and the meter fleet simulator mirror (the cards in the demo drawer, the meters on the wall).
 * Pure data, deterministic, so every process derives the same picture without talking.
 */
export const DEMO_SITE = {
  name: '翠湖花园 Emerald Lake Gardens',
  kind: 'residential' as const,
  buildings: ['1号楼 Building 1', '2号楼 Building 2', '3号楼 Building 3'],
}

export const DEMO_KIOSK = {
  name: 'GT-K001',
  location: '1号楼大堂 Building 1 lobby',
  /** One-time enrolment code printed on the kiosk's commissioning sheet. */
  enrollmentCode: 'DEMO-ENROLL-K001',
}

/** Flat demo tariff: 0.60 yuan per kWh, prices include no VAT split in the foundation. */
export const DEMO_TARIFF = {
  name: '居民生活用电 Residential flat',
  priceFenPerKwh: 60,
  minVendFen: 1000,
  maxVendFen: 200_000,
}

export const DEMO_STS = {
  iin: '600727',
  sgc: '600001',
  ti: '01',
  krn: 1,
  kt: 2,
  ken: 255,
  baseDate: 2014 as const,
  dkga: '04' as const,
  /** 160-bit demo vending key (DKGA04). Demo only: real keys come from the STS key centre. */
  vendingKeyHex: '0f1e2d3c4b5a69788796a5b4c3d2e1f001234567',
}

const SURNAMES = ['张', '王', '李', '赵', '陈', '刘', '杨', '黄', '周', '吴', '徐', '孙']
const GIVEN = ['晓明', '伟', '芳', '秀英', '建国', '丽', '强', '敏', '静', '磊', '洋', '婷', '海燕', '志强']

export interface DemoMeter {
  meterNo: string
  ea: '07' | '11'
  unitName: string
  profile: 'household' | 'shop' | 'factory'
}
export interface DemoCustomer {
  name: string
  cardNo: string
  cardUid: string
  meters: DemoMeter[]
}
export interface DemoStaffCard {
  name: string
  cardNo: string
  cardUid: string
  role: 'field' | 'cashier' | 'admin'
}

/** n meters; one customer each except customer 2, who has two (一户多表). Every 5th meter uses MISTY1. */
export function demoCustomers(meterCount = 50): DemoCustomer[] {
  const customers: DemoCustomer[] = []
  let m = 0
  for (let c = 0; m < meterCount; c++) {
    const perCustomer = c === 1 ? 2 : 1
    const meters: DemoMeter[] = []
    for (let k = 0; k < perCustomer && m < meterCount; k++, m++) {
      const building = (m % 3) + 1
      const floor = Math.floor(m / 6) + 1
      const room = (m % 6) + 1
      meters.push({
        meterNo: `5810${String(1000001 + m).padStart(7, '0')}`,
        ea: m % 5 === 4 ? '11' : '07',
        unitName: `${building}-${floor}0${room}`,
        profile: m % 10 === 9 ? 'shop' : 'household',
      })
    }
    customers.push({
      name: (SURNAMES[c % SURNAMES.length] ?? '张') + (GIVEN[(c * 7) % GIVEN.length] ?? '明'),
      cardNo: `8800${String(10001 + c).padStart(6, '0')}`,
      // 7-byte UIDs, as ISO 14443 double-size UIDs (NXP cards start with 04).
      cardUid: '04' + (0xa1b20000 + c).toString(16).toUpperCase().padStart(8, '0') + 'C580',
      meters,
    })
  }
  return customers
}

export const DEMO_STAFF_CARDS: DemoStaffCard[] = [
  { name: '李师傅 Li (field)', cardNo: '9900000101', cardUid: '0499AA01010080', role: 'field' },
  { name: '王会计 Wang (cashier)', cardNo: '9900000201', cardUid: '0499AA02010080', role: 'cashier' },
]
