/**
 * The demo's console sign-ins (GRIDTILL_DEMO=1 only; the README lists them). The hashes are
 * precomputed with the production scrypt parameters (routes/staff/password.ts) so starting a
 * demo or a test costs no hashing. S004 and S005 complete the five roles for the console.
 *
 *   S001 admin    demo-admin-pass      S002 support  demo-support-pass
 *   S003 cashier  demo-cashier-pass    S004 field    demo-field-pass
 *   S005 auditor  demo-auditor-pass
 */
import type { StaffRole } from '../../storage/repository.ts'

export const DEMO_CONSOLE_STAFF: readonly { id: string; name: string; role: StaffRole; password: string; passwordHash: string }[] = [
  {
    id: 'S001',
    name: '周主管 Zhou (admin)',
    role: 'admin',
    password: 'demo-admin-pass',
    passwordHash: 'scrypt$131072$8$1$M0DXWpNmGXw16f8Q_2nrUg$ccYIY1ZFB6JkGWLFIsqCLy093FfP9lGmjds2Bnkmzf8',
  },
  {
    id: 'S002',
    name: '陈客服 Chen (support)',
    role: 'support',
    password: 'demo-support-pass',
    passwordHash: 'scrypt$131072$8$1$r43cjCBvTcyY2QIihVRs3A$4EMqqHMbxW1cX1BnlOP7iowujHeBkSpbJrCxh1LZioM',
  },
  {
    id: 'S003',
    name: '王会计 Wang (cashier)',
    role: 'cashier',
    password: 'demo-cashier-pass',
    passwordHash: 'scrypt$131072$8$1$mdccgNW7ljf4qTCFwe4IvQ$dU_MqYKglhF5_GM2VaamEjW9zcXxJA1PEjKCEsr6S6w',
  },
  {
    id: 'S004',
    name: '李师傅 Li (field)',
    role: 'field',
    password: 'demo-field-pass',
    passwordHash: 'scrypt$131072$8$1$hsImILFIUSQnX5phPA3ZsQ$ZQUj4Kz1hRA4Si1B92oDwvwA5SzwHzeRVtvBFU95Q4U',
  },
  {
    id: 'S005',
    name: '孙审计 Sun (auditor)',
    role: 'auditor',
    password: 'demo-auditor-pass',
    passwordHash: 'scrypt$131072$8$1$VRkxdNatMqWyqWqog6CMhw$vJAeZnhM9P7NpZbyLnUr-ypdZ6iGfJvf8NaOZgSiYFI',
  },
]
